import Foundation
import XCTest

/// Issue 12 item 17: every subcommand's help ends with worked examples, and each runs.
final class HelpExampleTests: XCTestCase {
  static let subcommands = [
    "curve", "minima", "sweep", "symbolic", "train", "sae-loss", "path", "grow", "ensemble", "balance",
    "validate", "reproduce", "study",
  ]

  /// The example lines of a subcommand's help: the lines after "Examples:" up to a blank
  /// line (one that does not start with "landscape " was wrapped: it fails the test).
  static func examples(in help: String) -> [[String]] {
    guard let start = help.range(of: "Examples:\n") else { return [] }
    return help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
      .prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .map { line in
        line.hasPrefix("landscape ")
          ? line.split(separator: " ").dropFirst().map(String.init) : [String(line)]
      }
  }

  /// Each example runs in a temporary folder holding a copy of cases/ (without the SAE cases
  /// that train for minutes), an empty figs/, sae.json and saelens-sae/ (an SAE `train --save`
  /// wrote, as our file and as SAELens's folder), within 60 s, and exits 0.
  func testEveryExampleRuns() throws {
    guard LandscapeCLITests.binary != nil else { throw XCTSkip("the binary is not built") }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "landscape-examples-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try LandscapeCLITests.copyQuickCases(to: folder.appendingPathComponent("cases"))
    let saved = try runLandscape(
      ["train", "cases/sae-untied-hierarchy.json", "--save", "sae.json"], in: folder)
    XCTAssertEqual(saved.status, 0, saved.stderr)
    let folderSaved = try runLandscape(
      ["train", "cases/sae-untied-hierarchy.json", "--save", "saelens-sae/"], in: folder)
    XCTAssertEqual(folderSaved.status, 0, folderSaved.stderr)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("figs"), withIntermediateDirectories: false)
    for sub in Self.subcommands {
      let help = try runLandscape([sub, "--help"], in: folder)
      XCTAssertEqual(help.status, 0)
      let examples = Self.examples(in: String(decoding: help.stdout, as: UTF8.self))
      XCTAssert((2...3).contains(examples.count), "\(sub) has \(examples.count) examples")
      for arguments in examples {
        XCTAssertEqual(arguments.first, sub, "a wrapped example line in \(sub)'s help")
        let r = try runLandscape(arguments, in: folder, timeout: 60)
        XCTAssertEqual(r.status, 0, "landscape \(arguments.joined(separator: " ")): \(r.stderr)")
      }
    }
  }

  /// Issue 12 item 11: user-facing text calls the source post "the paper", never "the
  /// seed" (the random --seed stays): README, case files, every subcommand's help.
  func testUserFacingTextSaysThePaper() throws {
    let root = LandscapeCLITests.cases.deletingLastPathComponent()
    var texts = [("README.md", try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8))]
    for file in try FileManager.default.contentsOfDirectory(atPath: LandscapeCLITests.cases.path)
    where file.hasSuffix(".json") {
      texts.append(
        (file, try String(contentsOf: LandscapeCLITests.cases.appendingPathComponent(file), encoding: .utf8)))
    }
    if LandscapeCLITests.binary != nil {
      for sub in Self.subcommands {
        let help = try runLandscape([sub, "--help"], in: FileManager.default.temporaryDirectory)
        texts.append(("\(sub) --help", String(decoding: help.stdout, as: UTF8.self)))
      }
    }
    for (name, text) in texts {
      let lower = text.lowercased()
      XCTAssertFalse(lower.contains("seed's"), "\(name) says \"seed's\"")
      XCTAssertFalse(lower.contains("the seed "), "\(name) says \"the seed\"")
    }
  }
}
