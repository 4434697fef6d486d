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
}
