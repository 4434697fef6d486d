import Foundation
import XCTest

/// The built `landscape` binary, run from the package's root.
enum ServerBinary {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The binary, built next to the test bundle (the test target depends on LandscapeCLI).
  static let url: URL? = {
    let bundle = Bundle(for: ServerRouteTests.self).bundleURL
    let candidates = [
      bundle.deletingLastPathComponent(), bundle, Bundle.main.bundleURL,
      root.appendingPathComponent(".build/debug"),
    ]
    return candidates.map { $0.appendingPathComponent("landscape") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  struct Run {
    var status: Int32
    var stdout: Data
    var stderr: String
  }

  /// Runs the binary to completion in the package's root.
  static func run(_ arguments: [String]) throws -> Run {
    let process = Process()
    process.executableURL = try XCTUnwrap(url, "the landscape binary is not built")
    process.arguments = arguments
    process.currentDirectoryURL = root
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus, stdout: stdout,
      stderr: String(decoding: stderr, as: UTF8.self))
  }
}
