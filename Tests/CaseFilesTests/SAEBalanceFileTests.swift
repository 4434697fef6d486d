import Foundation
import Landscape
import SparseAutoencoders
import ToyModels
import XCTest

@testable import CaseFiles

/// The `sae` block's `balance` and the `balance_sweep` block.
final class SAEBalanceFileTests: XCTestCase {
  func parse(_ sae: String, _ extra: String = "") throws -> SAECase {
    let text = """
      {"features": ["p", "a"],
       "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.4, "children": ["a"],
                                 "child_probability": 0.5}]},
       "sae": {"latents": 2, \(sae)}\(extra)}
      """
    guard case .sae(let s) = try CaseDocument(json: Data(text.utf8), defaultName: "t") else {
      throw XCTSkip("not an SAE case")
    }
    return s
  }

  func testBalanceAndSweepAreReadAsWritten() throws {
    let s = try parse(
      #""matryoshka": [1, 2], "balance": 0.25"#,
      #", "balance_sweep": {"coefficients": [0, 0.5], "seeds": [4, 7], "snap": false,"#
        + #" "expect": [{"quantity": "absorption", "balance": 0, "min": 0.9},"#
        + #" {"quantity": "decoder_hedging_mass", "balance": 0.5, "max": 0.1}]}"#
    )
    XCTAssertEqual(s.architecture.balance, 0.25)
    XCTAssertEqual(try s.architecture.initialSAE(dimensions: 2, seed: 1).prefixWeights, [0.25, 1])
    let plan = try XCTUnwrap(s.balanceSweep)
    XCTAssertEqual(plan.coefficients, [0, 0.5])
    XCTAssertEqual(plan.seeds, [4, 7])
    XCTAssertFalse(plan.snap)
    XCTAssertEqual(
      plan.expectations,
      [
        BalanceExpectation(.absorption, balance: 0, min: 0.9),
        BalanceExpectation(.decoderHedgingMass, balance: 0.5, max: 0.1),
      ])
    // Defaults: the seed 1, snap on; "snap" names the snap-loss runs.
    let d = try XCTUnwrap(
      try parse(
        #""matryoshka": [1, 2]"#,
        #", "balance_sweep": {"coefficients": [1],"#
          + #" "expect": [{"quantity": "absorption", "balance": "snap", "max": 0}]}"#
      ).balanceSweep)
    XCTAssertEqual(d.seeds, [1])
    XCTAssertTrue(d.snap)
    XCTAssertNil(d.expectations[0].balance)
    XCTAssertNil(try parse(#""matryoshka": [1, 2]"#).architecture.balance)
  }

  /// `l1_per_prefix` reaches the SAE (default false); `starts` the plan (default 1).
  func testL1PerPrefixAndStarts() throws {
    let s = try parse(
      #""matryoshka": [1, 2], "l1_per_prefix": true"#, #", "train": {"starts": 4, "seed": 3}"#)
    XCTAssertTrue(s.architecture.l1PerPrefix)
    XCTAssertEqual(try s.architecture.initialSAE(dimensions: 2, seed: 1).l1Weights, [2, 1])
    XCTAssertEqual(s.plan.starts, 4)
    let d = try parse(#""matryoshka": [1, 2]"#)
    XCTAssertFalse(d.architecture.l1PerPrefix)
    XCTAssertFalse(try d.architecture.initialSAE(dimensions: 2, seed: 1).l1PerPrefix)
    XCTAssertEqual(d.plan.starts, 1)
    XCTAssertThrowsError(try parse(#""l1_per_prefix": true"#)) {
      XCTAssertEqual(($0 as? FieldError)?.field, "sae.l1_per_prefix")
    }
    XCTAssertFalse(try parse(#""l1_per_prefix": false"#).architecture.l1PerPrefix)
    for (sae, train, field) in [
      (#", "l1_per_prefix": 1"#, "", "sae.l1_per_prefix"),
      ("", #", "train": {"starts": 0}"#, "train.starts"),
      ("", #", "train": {"starts": 101}"#, "train.starts"),
      ("", #", "train": {"starts": 2, "seed": 4294967295}"#, "train.starts"),
    ] {
      XCTAssertThrowsError(try parse(#""matryoshka": [1, 2]"# + sae, train)) {
        XCTAssertEqual(($0 as? FieldError)?.field, field, "\(sae) \(train)")
      }
    }
  }

  func testBadFieldsAreNamed() {
    let cases: [(String, String, String)] = [
      (#""balance": 0.5"#, "", "sae.balance"),
      (#""matryoshka": [1, 2], "balance": -0.5"#, "", "sae.balance"),
      (#""matryoshka": [1, 2], "balance": "x""#, "", "sae.balance"),
      (#""matryoshka": [2]"#, #", "balance_sweep": {"coefficients": [0]}"#, "balance_sweep"),
      (
        #""matryoshka": [1, 2]"#, #", "balance_sweep": {"coefficients": []}"#,
        "balance_sweep.coefficients"
      ),
      (
        #""matryoshka": [1, 2]"#, #", "balance_sweep": {"coefficients": [-1]}"#,
        "balance_sweep.coefficients[0]"
      ),
      (
        #""matryoshka": [1, 2]"#, #", "balance_sweep": {"coefficients": [0], "seeds": [-1]}"#,
        "balance_sweep.seeds[0]"
      ),
      (
        #""matryoshka": [1, 2]"#, #", "balance_sweep": {"coefficients": [0], "joy": 1}"#,
        "balance_sweep.joy"
      ),
      (
        #""matryoshka": [1, 2]"#,
        #", "balance_sweep": {"coefficients": [0], "snap": false,"#
          + #" "expect": [{"quantity": "absorption", "balance": "snap", "max": 0}]}"#,
        "balance_sweep.expect[0].balance"
      ),
      (
        #""matryoshka": [1, 2]"#,
        #", "balance_sweep": {"coefficients": [0],"#
          + #" "expect": [{"quantity": "absorption", "balance": 0}]}"#,
        "balance_sweep.expect[0].min"
      ),
    ]
    for (sae, extra, field) in cases {
      XCTAssertThrowsError(try parse(sae, extra), sae + extra) { e in
        XCTAssertEqual((e as? FieldError)?.field, field, "\(sae)\(extra): \(e)")
      }
    }
  }
}
