import Foundation
import SparseAutoencoders
import XCTest

@testable import CaseFiles

/// The `grow` block of an SAE case: the growth plan, correlation scales and expectations.
final class SAEGrowthFileTests: XCTestCase {
  func parse(_ grow: String, toy: String? = nil, sae: String = #"{"latents": 2}"#) throws
    -> SAEStudy
  {
    let hierarchy = #""hierarchy": {"groups": [{"parent": "a", "parent_probability": 0.3, "children": ["b", "c"], "child_probability": 0.4}]}"#
    let text = """
      {"features": ["a", "b", "c"], \(toy ?? hierarchy), "sae": \(sae),
       "train": {"data": \(toy == nil ? "\"exact\"" : "\"samples\"")}, "grow": \(grow)}
      """
    guard case .sae(let s) = try CaseDocument(json: Data(text.utf8), defaultName: "t") else {
      throw XCTSkip("not an SAE case")
    }
    return s
  }

  func assertError(
    _ grow: String, _ prefix: String, toy: String? = nil, sae: String = #"{"latents": 2}"#,
    line: UInt = #line
  ) {
    XCTAssertThrowsError(try parse(grow, toy: toy, sae: sae), line: line) { e in
      XCTAssert("\(e)".hasPrefix(prefix), "\(e)", line: line)
    }
  }

  let correlated = #""correlated": {"probabilities": [0.2, 0.2, 0.2], "correlation": {"seed": 1, "main": 1, "strength": 0.5}}"#

  func testGrowBlockIsRead() throws {
    let s = try parse(
      #"{"add": 1, "to": 4, "draws": 7, "expect": [{"quantity": "rank_correlation", "min": 0.2}, {"quantity": "decoder_bias_norm_change", "max": 0}]}"#
    )
    let g = try XCTUnwrap(s.growth)
    XCTAssertEqual(g.plan, SAEGrowthPlan(start: 2, add: 1, to: 4, draws: 7))
    XCTAssertEqual(g.plan.widths, [2, 3, 4])
    XCTAssertEqual(g.correlationScales, [1])
    XCTAssertEqual(
      g.expectations,
      [SAEGrowthExpectation(.rankCorrelation, min: 0.2), .init(.decoderBiasNormChange, max: 0)])
    let c = try parse(#"{"start": 1, "add": 2, "to": 5, "correlation_scales": [0.5, 1]}"#, toy: correlated)
    XCTAssertEqual(c.growth?.correlationScales, [0.5, 1])
    XCTAssertEqual(c.growth?.plan.draws, 20)
  }

  func testBadGrowBlocksNameTheField() {
    assertError(#"{"to": 4}"#, "grow.add: is required")
    assertError(#"{"add": 2, "to": 5}"#, "grow: to: 5 is not start + a positive multiple")
    assertError(#"{"add": 1, "to": 4, "draws": 0}"#, "grow.draws: 0")
    assertError(#"{"add": 1, "to": 4, "speed": 1}"#, "grow.speed")
    assertError(
      #"{"add": 1, "to": 4, "correlation_scales": [0.5]}"#, "grow.correlation_scales: needs a correlated toy")
    assertError(
      #"{"add": 1, "to": 4, "correlation_scales": [1.5]}"#, "grow.correlation_scales", toy: correlated)
    assertError(
      #"{"add": 1, "to": 4, "expect": [{"quantity": "beauty", "min": 1}]}"#,
      "grow.expect[0].quantity: \"beauty\" is not one of fraction_over_baseline")
    assertError(
      #"{"add": 1, "to": 4, "expect": [{"quantity": "rank_correlation"}]}"#, "grow.expect[0].min: or max is required")
    assertError(
      #"{"add": 1, "to": 4}"#, "grow: needs a plain relu SAE",
      sae: #"{"latents": 2, "activation": "topk", "top_k": 1}"#)
  }
}

/// A train block's values are range-checked by the plan that owns them, for single-latent and
/// SAE cases alike: the same bad value gets the same reason from both kinds of file.
final class TrainBlockRangeTests: XCTestCase {
  func error(_ train: String, sae: Bool) -> String {
    let toy =
      sae
      ? #""hierarchy": {"groups": [{"parent": "a", "parent_probability": 0.3, "children": ["b"], "child_probability": 0.4}]}, "sae": {"latents": 1}"#
      : #""patterns": [{"name": "p0", "probability": 0.2, "fires": {"a": 1}}]"#
    let text = #"{"features": ["a", "b"], "# + toy + #", "train": "# + train + "}"
    do {
      _ = try CaseDocument(json: Data(text.utf8), defaultName: "t")
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  func testBothKindsOfCaseShareTheOwnersChecks() {
    for (train, message) in [
      (#"{"lr": 0}"#, "train.lr: 0.0 is not in (0, 10]"),
      (#"{"beta1": 1}"#, "train.beta1: 1.0 is not in [0, 1)"),
      (#"{"beta2": -0.5}"#, "train.beta2: -0.5 is not in [0, 1)"),
      (#"{"batch": 0}"#, "train.batch: 0 is not in 1...4294967295"),
      (#"{"steps": 200000000}"#, "train.steps: 200000000 is not in "),
    ] {
      XCTAssert(error(train, sae: true).hasPrefix(message), "\(train): \(error(train, sae: true))")
      XCTAssert(error(train, sae: false).hasPrefix(message), "\(train): \(error(train, sae: false))")
    }
    XCTAssert(error(#"{"seed": -1}"#, sae: false).hasPrefix("train.seed: -1 is not"))
    XCTAssert(error(#"{"tolerance": 0}"#, sae: false).hasPrefix("train.tolerance: 0.0 is not"))
    XCTAssertEqual(error(#"{"lr": 0.01}"#, sae: true), "no error")
  }
}
