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
