import Foundation
import XCTest

/// What the end-to-end command tests share: a fresh folder per test (removed after it), files
/// written into it, and the binary run inside it with its output as text.
class CommandTestCase: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    guard LandscapeCLITests.binary != nil else { throw XCTSkip("the binary is not built") }
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(type(of: self))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if let folder { try? FileManager.default.removeItem(at: folder) }
  }

  /// Writes `text` to `name` in the folder; returns its path.
  func write(_ name: String, _ text: String) throws -> String {
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  /// Runs `landscape arguments` in the folder.
  func landscape(_ arguments: [String]) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let run = try runLandscape(arguments, in: folder)
    return (run.status, String(decoding: run.stdout, as: UTF8.self), run.stderr)
  }

  /// `landscape sae-loss CASE --sae SAE --json`'s numbers, by name.
  func saeLoss(_ caseFile: String, _ sae: String) throws -> [String: Double] {
    let run = try landscape(["sae-loss", caseFile, "--sae", sae, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let object = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    return object.compactMapValues { $0 as? Double }
  }

  /// Runs `script` with python3 in the folder; skips when numpy or safetensors is missing.
  func python(_ script: String) throws -> (status: Int32, output: String) {
    func run(_ arguments: [String]) throws -> (Int32, String) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3"] + arguments
      process.currentDirectoryURL = folder
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = pipe
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
    guard try run(["-c", "import numpy, safetensors"]).0 == 0 else {
      throw XCTSkip("no numpy and safetensors: pip install numpy safetensors (make test does)")
    }
    return try run(["-c", script])
  }
}
