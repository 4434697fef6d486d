import Foundation
import XCTest

/// `landscape grow` end to end: the issue's JSON, determinism, refused input.
final class GrowCommandTests: CommandTestCase {
  /// A parent with two exclusive children and two independent features, exact data.
  private func caseFile(_ extra: String = "") throws -> String {
    let url = folder.appendingPathComponent("toy.json")
    try Data(
      """
      {"features": ["p", "c1", "c2", "i1", "i2"],
       "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.3,
         "children": ["c1", "c2"], "child_probability": 0.3, "children_exclusive": true}],
         "independent": [{"feature": "i1", "probability": 0.2}, {"feature": "i2", "probability": 0.2}]},
       "sae": {"latents": 1}, "train": {"data": "exact", "steps": 300, "l1": 0.01, "dim": 12}\(extra)}
      """.utf8
    ).write(to: url)
    return url.path
  }

  func testJSONHasOneValuePerWidth() throws {
    let c = try caseFile()
    let run = try landscape(["grow", c, "--add", "2", "--to", "5", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let o = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(o["widths"] as? [Int], [1, 3, 5])
    for key in [
      "fraction_in_new_span", "random_baseline", "decoder_bias_norm", "true_hedging_mass",
      "hedging_degree", "relative_change", "mse",
    ] {
      XCTAssertEqual((o[key] as? [Any])?.count, 3, key)
    }
    let fractions = try XCTUnwrap(o["fraction_in_new_span"] as? [Any])
    XCTAssert(fractions[0] is NSNull)
    for f in fractions.dropFirst() {
      XCTAssert((0...1).contains(try XCTUnwrap(f as? Double)))
    }
    XCTAssert((o["hedging_degree"] as? [Any])?.last is NSNull)
    // Same case, same seed: the same bytes.
    XCTAssertEqual(try landscape(["grow", c, "--add", "2", "--to", "5", "--json"]).stdout, run.stdout)
    XCTAssertNotEqual(
      try landscape(["grow", c, "--add", "2", "--to", "5", "--json", "--seed", "2"]).stdout,
      run.stdout)
  }

  func testTextAndFigure() throws {
    let c = try caseFile(#", "grow": {"add": 1, "to": 3, "draws": 5}"#)
    let run = try landscape(["grow", c, "--plot", "growth.png"])
    XCTAssertEqual(run.status, 0, run.stderr)
    XCTAssert(run.stdout.contains("width  in new span  baseline"), run.stdout)
    XCTAssert(run.stdout.contains("rank correlation (Spearman)"), run.stdout)
    let png = try Data(contentsOf: folder.appendingPathComponent("growth.png"))
    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
  }

  /// --init-from measures a trained SAE as it is: its true hedging mass is the one `train`
  /// reported for it, and it gets a hedging degree from one growth.
  func testHedgingDegreeOfAGivenSAE() throws {
    let c = try caseFile()
    let trained = try landscape(["train", c, "--dim", "5", "--save", "sae.json", "--json"])
    XCTAssertEqual(trained.status, 0, trained.stderr)
    let report = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any])
    let latent = try XCTUnwrap((report["decoder_latents"] as? [[String: Any]])?.first)
    let run = try landscape(["grow", c, "--dim", "5", "--init-from", "sae.json", "--add", "2", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let o = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(o["widths"] as? [Int], [1, 3])
    XCTAssertEqual(
      (o["true_hedging_mass"] as? [Double])?.first, latent["hedging_mass"] as? Double)
    XCTAssertNotNil((o["hedging_degree"] as? [Any])?.first as? Double)
    let bad = try landscape(["grow", c, "--dim", "5", "--init-from", "sae.json", "--start", "2", "--add", "1"])
    XCTAssertEqual(bad.status, 2)
    XCTAssert(bad.stderr.contains("--start: 2 differs from the --init-from SAE's 1 latents"), bad.stderr)
  }

  func testBadInputNamesTheFlag() throws {
    let c = try caseFile()
    for (arguments, message) in [
      (["--to", "4"], "--add: is required"),
      (["--add", "2", "--to", "4"], "--to: 4 is not start + a positive multiple of add"),
      (["--add", "0", "--to", "4"], "--add: 0 is not in 1...10000"),
      (["--add", "1", "--to", "3", "--draws", "0"], "--draws: 0 is not in 1...1000"),
      (["--add", "1", "--to", "3", "--correlation-scales", "0.5,x"], "'0.5,x' is invalid for '--correlation-scales"),
      (["--add", "1", "--to", "3", "--correlation-scales", "0.5,2"], "--correlation-scales: \"2\" is not a number in [0, 1]"),
      (["--add", "1", "--to", "3", "--correlation-scales", "0.5"], "--correlation-scales: needs a correlated toy"),
      (["--add", "1", "--to", "3", "--dim", "3"], "--dim: 3 is below the number of features"),
    ] {
      let run = try landscape(["grow", c] + arguments)
      XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
      XCTAssert(run.stderr.contains(message), "\(arguments): \(run.stderr)")
    }
    let single = folder.appendingPathComponent("single.json")
    try Data(#"{"features": ["parent", "child"], "patterns": [{"name": "p0", "probability": 0.2, "fires": {"parent": 1}}]}"#.utf8)
      .write(to: single)
    let run = try landscape(["grow", single.path, "--add", "1", "--to", "2"])
    XCTAssertEqual(run.status, 1)
    XCTAssert(run.stderr.contains("grow needs an SAE case"), run.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.png").path))
    // Issue 21 item 18: the seed the user gave is named, not the last width's seed + 1.
    let seed = try landscape(["grow", c, "--add", "1", "--to", "3", "--seed", "4294967295"])
    XCTAssertEqual(seed.status, 1, seed.stderr)
    XCTAssertTrue(
      seed.stderr.contains("grow: seed: 4294967295 + 2 widths is above 4294967295"), seed.stderr)
  }
}
