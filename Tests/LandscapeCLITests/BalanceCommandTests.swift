import Foundation
import XCTest

/// `landscape balance`, end to end: the sweep's report, its JSON and figure, bad input.
final class BalanceCommandTests: CommandTestCase {
  /// A parent with three exclusive children, a 1/4 Matryoshka SAE (the balance case, shorter).
  private func toyCase(sae: String = #""matryoshka": [1, 4], "balance": 0.25"#, extra: String = "")
    throws -> String
  {
    try write(
      "toy.json",
      """
      {"name": "toy", "features": ["p", "a", "b", "c"],
       "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.25,
                                 "children": ["a", "b", "c"], "child_probability": 0.15}]},
       "sae": {"latents": 4, \(sae), "init": "features", "init_noise": 0.02},
       "train": {"data": "exact", "l1": 0.03, "steps": 3000, "lr": 0.003, "seed": 1}\(extra)}
      """)
  }

  func testSweepReportsHedgingAndAbsorption() throws {
    let c = try toyCase()
    let run = try landscape(["balance", c, "--coefficients", "0,0.25,1", "--seeds", "1,2"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let lines = run.stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, 2 + 4 * 2, run.stdout)  // title, header, 3 betas + snap, 2 seeds
    XCTAssertTrue(lines[1].hasPrefix("beta  seed  decoder hedging"), run.stdout)
    XCTAssertTrue(lines.last!.hasPrefix("snap  2"), run.stdout)
  }

  func testJSONKeysAndTheTradeOff() throws {
    let c = try toyCase()
    let plot = folder.appendingPathComponent("balance.png").path
    let run = try landscape([
      "balance", c, "--coefficients", "0,0.25,1", "--seeds", "3", "--json", "--plot", plot,
    ])
    XCTAssertEqual(run.status, 0, run.stderr)
    let o = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(
      Set(o.keys),
      [
        "case", "coefficients", "seeds", "hedging_mass", "encoder_hedging_mass", "absorption",
        "snap_hedging_mass", "snap_absorption", "runs", "checks",
      ])
    let hedging = try XCTUnwrap(o["hedging_mass"] as? [Double])
    let absorption = try XCTUnwrap(o["absorption"] as? [Double])
    XCTAssertEqual(hedging.count, 3)
    // beta = 0: the children absorb the parent; beta = 1 hedges more than beta = 0.25.
    XCTAssertGreaterThan(absorption[0], 0.9)
    XCTAssertEqual(absorption[2], 0)
    XCTAssertLessThan(hedging[0], 1e-3)
    XCTAssertGreaterThan(hedging[2], 2 * hedging[1])
    let runs = try XCTUnwrap(o["runs"] as? [[String: Any]])
    XCTAssertEqual(runs.count, 4)
    XCTAssertEqual(
      Set(runs[0].keys),
      [
        "balance", "snap", "seed", "decoder_hedging_mass", "encoder_hedging_mass", "absorption",
        "parents", "mse",
      ])
    let parents = try XCTUnwrap(runs[0]["parents"] as? [[String: Any]])
    XCTAssertEqual(parents.first?["children"] as? [Int], [1, 2, 3])
    let size = try FileManager.default.attributesOfItem(atPath: plot)[.size] as? Int
    XCTAssertGreaterThan(size ?? 0, 1000)
    // The same case and seeds give the same numbers, bit for bit.
    let again = try landscape(["balance", c, "--coefficients", "0,0.25,1", "--seeds", "3", "--json"])
    XCTAssertEqual(again.stdout, run.stdout)
  }

  func testBadInputNamesTheField() throws {
    let c = try toyCase()
    for (arguments, message) in [
      (["--coefficients", "0,-1"], "--coefficients: \"-1\" is not a number in [0, 1000000]"),
      (["--coefficients", "0,x"], "'0,x' is invalid for '--coefficients <beta,...>'"),
      (["--coefficients", "1,1"], "--coefficients: \"1,1\" names a coefficient twice"),
      (["--seeds", "1.5"], "--seeds: \"1.5\" is not a whole number"),
      (["--seeds", "1,1,1"], "--seeds: \"1,1,1\" names a seed twice"),
      (["--plot", "figure.gif"], "--plot: "),
      (["--plot", "figure.png", "--size", "big"], "'big' is invalid for '--size <WxH>'"),
    ] {
      let run = try landscape(["balance", c] + arguments)
      XCTAssertEqual(run.status, 2, "\(arguments)")
      XCTAssertTrue(run.stderr.contains(message), "\(arguments): \(run.stderr)")
      XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
    }
    for (sae, extra, message) in [
      (#""balance": 0.25"#, "", "sae.balance: 0.25 needs Matryoshka prefixes"),
      (#""matryoshka": [1, 4], "balance": -1"#, "", "sae.balance: -1.0 is not in [0.0"),
      (
        #""matryoshka": [1, 4]"#,
        #", "balance_sweep": {"coefficients": [0, 1],"#
          + #" "expect": [{"quantity": "absorption", "balance": 0.5, "min": 0}]}"#,
        "balance_sweep.expect[0].balance"
      ),
      (
        #""matryoshka": [1, 4]"#,
        #", "balance_sweep": {"coefficients": [0, 1],"#
          + #" "expect": [{"quantity": "joy", "balance": 0, "min": 0}]}"#,
        "balance_sweep.expect[0].quantity: \"joy\""
      ),
      ("\"tied\": false", "", "sae.matryoshka: a balance sweep needs two or more prefixes"),
    ] {
      let bad = try toyCase(sae: sae, extra: extra)
      let run = try landscape(["balance", bad])
      XCTAssertEqual(run.status, 1, sae + extra)
      XCTAssertTrue(run.stderr.contains(message), "\(sae)\(extra): \(run.stderr)")
      XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
    }
  }
}
