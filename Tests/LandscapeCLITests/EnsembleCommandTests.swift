import Foundation
import XCTest

/// `landscape ensemble`, end to end on a small hierarchy case.
final class EnsembleCommandTests: CommandTestCase {
  /// A parent (0.25) with two children (0.2 each given it); one latent per member.
  private func caseFile(ensemble: String = "") throws -> String {
    let url = folder.appendingPathComponent("c.json")
    try Data(
      """
      {"features": ["parent", "c1", "c2"],
       "hierarchy": {"groups": [{"parent": "parent", "parent_probability": 0.25,
                                 "children": ["c1", "c2"], "child_probability": 0.2,
                                 "children_exclusive": false}]},
       "sae": {"latents": 1, "init": ["parent"], "init_noise": 0.1},
       "train": {"data": "exact", "l1": 0.01, "steps": 600, "lr": 0.01, "seed": 1}\(ensemble)}
      """.utf8
    ).write(to: url)
    return url.path
  }

  func testBoostingJSONHasTheKeysAndLowersTheMSE() throws {
    let run = try landscape([
      "ensemble", try caseFile(), "--method", "boosting", "--members", "3", "--json",
    ])
    XCTAssertEqual(run.status, 0, run.stderr)
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    for key in [
      "method", "members", "mse", "single_mse", "diversity", "stability", "hedging_mass",
    ] {
      XCTAssertNotNil(json[key], key)
    }
    XCTAssertEqual(json["method"] as? String, "boosting")
    XCTAssertEqual(json["members"] as? Int, 3)
    let mass = try XCTUnwrap(json["hedging_mass"] as? [[Double]])
    XCTAssertEqual(mass.map(\.count), [1, 1, 1])
    let mse = try XCTUnwrap(json["mse"] as? Double)
    let single = try XCTUnwrap(json["single_mse"] as? Double)
    XCTAssertLessThan(mse, 0.5 * single)
    // Same case and seed, same bits.
    let again = try landscape([
      "ensemble", try caseFile(), "--method", "boosting", "--members", "3", "--json",
    ])
    XCTAssertEqual(again.stdout, run.stdout)
  }

  func testTextPlotAndTheCaseBlock() throws {
    let c = try caseFile(ensemble: #", "ensemble": {"method": "bagging", "members": 2}"#)
    let plot = folder.appendingPathComponent("e.png").path
    let run = try landscape(["ensemble", c, "--plot", plot])
    XCTAssertEqual(run.status, 0, run.stderr)
    XCTAssertTrue(run.stdout.contains("bagging of 2 SAEs"), run.stdout)
    XCTAssertTrue(run.stdout.contains("diversity"), run.stdout)
    let png = try Data(contentsOf: URL(fileURLWithPath: plot))
    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
  }

  func testBadInputNamesTheFlagAndExitsTwo() throws {
    let c = try caseFile()
    for (arguments, flag) in [
      (["--method", "stacking", "--members", "2"], "--method"),
      (["--method", "bagging", "--members", "0"], "--members"),
      (["--method", "bagging", "--members", "51"], "--members"),
      (["--method", "bagging", "--members", "2", "--seed", "-1"], "--seed"),
      (["--method", "bagging", "--members", "2", "--samples", "1"], "--samples"),
      // An enumerable toy's mse is exact: --samples does not apply.
      (["--method", "bagging", "--members", "2", "--samples", "1000"], "--samples"),
    ] {
      let run = try landscape(["ensemble", c] + arguments)
      XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
      XCTAssertTrue(run.stderr.contains(flag), "\(arguments): \(run.stderr)")
      XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
    }
    // No ensemble block and no --method: the flag is named (a usage error too).
    let missing = try landscape(["ensemble", c, "--members", "2"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.stderr.contains("--method"), missing.stderr)
    // A bad ensemble block names its field.
    let bad = try caseFile(
      ensemble: #", "ensemble": {"method": "boosting", "members": 2, "extra": 1}"#)
    let parsed = try landscape(["ensemble", bad])
    XCTAssertNotEqual(parsed.status, 0)
    XCTAssertTrue(parsed.stderr.contains("ensemble.extra"), parsed.stderr)
    // No partial figure when the run fails.
    let plot = folder.appendingPathComponent("never.png").path
    _ = try landscape(["ensemble", c, "--members", "0", "--plot", plot])
    XCTAssertFalse(FileManager.default.fileExists(atPath: plot))
  }

  /// A sampled (correlated) toy: the mse is estimated on held-out draws, with its standard
  /// error, in the text and the JSON.
  func testSampledToyReportsTheStandardError() throws {
    let url = folder.appendingPathComponent("s.json")
    try Data(
      """
      {"features": ["a", "b", "c"],
       "correlated": {"probabilities": 0.25, "correlation": {"seed": 2, "main": 1, "strength": 0.4}},
       "sae": {"latents": 1, "init": "features", "init_noise": 0.1},
       "train": {"data": "samples", "l1": 0.01, "steps": 100, "batch": 128, "lr": 0.01, "seed": 1},
       "ensemble": {"method": "boosting", "members": 2, "samples": 2000}}
      """.utf8
    ).write(to: url)
    let text = try landscape(["ensemble", url.path])
    XCTAssertEqual(text.status, 0, text.stderr)
    XCTAssertTrue(
      text.stdout.contains("estimated from 2000 held-out samples (seed 5), standard error"),
      text.stdout)
    let run = try landscape(["ensemble", url.path, "--json", "--samples", "3000"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(json["samples"] as? Int, 3000)
    let se = try XCTUnwrap(json["mse_standard_error"] as? Double)
    let single = try XCTUnwrap(json["single_mse_standard_error"] as? Double)
    XCTAssertGreaterThan(se, 0)
    XCTAssertGreaterThan(single, 0)
  }
}
