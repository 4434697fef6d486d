import Foundation
import XCTest

/// Issue 21 items 20 and 21: an unknown subcommand is a usage error naming the nearest one,
/// and a long list of allowed values stays on the one error line.
final class SubcommandTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    guard LandscapeCLITests.binary != nil else { throw XCTSkip("the binary is not built") }
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "landscape-sub-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if let folder { try? FileManager.default.removeItem(at: folder) }
  }

  func testUnknownSubcommandsAreUsageErrors() throws {
    for (arguments, expected) in [
      (["minimum", "--p0", "0.3"], "subcommand: 'minimum' is not a subcommand (did you mean 'minima'?)"),
      (["help", "foo"], "subcommand: 'foo' is not a subcommand"),
      (["help", "curv"], "(did you mean 'curve'?)"),
    ] {
      let r = try runLandscape(arguments, in: folder)
      XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains(expected), "\(arguments): \(r.stderr)")
      XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
      XCTAssertTrue(r.stdout.isEmpty)
    }
    let help = try runLandscape(["help", "curve"], in: folder)
    XCTAssertEqual(help.status, 0, help.stderr)
    let text = String(decoding: help.stdout, as: UTF8.self)
    XCTAssertTrue(text.contains("USAGE: landscape curve"), text)
  }

  func testAllowedValuesStayOnTheErrorLine() throws {
    let r = try runLandscape(
      ["sweep", "--p0", "0:0.5:5", "--p01", "0.1", "--color", "mse-t", "--plot", "a.png"],
      in: folder)
    XCTAssertEqual(r.status, 2, r.stderr)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("Please provide one of the following: mse_t, "), r.stderr)
  }
}

/// Issue 21 item 22: `-` reads a case file from standard input; a trailing comma is refused as
/// Python's json refuses it; a missing SAE file says why it cannot be read.
final class InputFileTests: XCTestCase {
  func testStandardInputTrailingCommasAndReasons() throws {
    let binary = try XCTUnwrap(LandscapeCLITests.binary)
    func run(_ arguments: [String], input: String) throws -> (Int32, String, String) {
      let process = Process()
      process.executableURL = binary
      process.arguments = arguments
      let stdin = Pipe()
      let stdout = Pipe()
      let stderr = Pipe()
      process.standardInput = stdin
      process.standardOutput = stdout
      process.standardError = stderr
      try process.run()
      stdin.fileHandleForWriting.write(Data(input.utf8))
      try stdin.fileHandleForWriting.close()
      let out = stdout.fileHandleForReading.readDataToEndOfFile()
      let err = stderr.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (
        process.terminationStatus, String(decoding: out, as: UTF8.self),
        String(decoding: err, as: UTF8.self)
      )
    }
    let source = try String(
      contentsOf: LandscapeCLITests.cases.appendingPathComponent("correlated.json"),
      encoding: .utf8)
    let (status, out, err) = try run(["minima", "-", "--json"], input: source)
    XCTAssertEqual(status, 0, err)
    XCTAssertTrue(out.hasPrefix("{"), out)
    let trimmed = source.trimmingCharacters(in: .whitespacesAndNewlines)
    let comma = String(trimmed.dropLast()) + ",}"
    let (bad, _, message) = try run(["minima", "-"], input: comma)
    XCTAssertEqual(bad, 1, message)
    XCTAssertTrue(message.contains("a trailing comma at byte"), message)
    let (missing, _, reason) = try run(
      ["sae-loss", LandscapeCLITests.cases.appendingPathComponent("correlated.json").path,
       "--sae", "/nonexistent/sae.json"], input: "")
    XCTAssertEqual(missing, 2, reason)
    XCTAssertTrue(reason.contains("--sae: /nonexistent/sae.json does not exist"), reason)
  }
}
