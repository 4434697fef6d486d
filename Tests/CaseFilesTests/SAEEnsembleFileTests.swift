import Foundation
import SparseAutoencoders
import ToyModels
import XCTest

@testable import CaseFiles

/// A case's `ensemble` block: read as written; bad values name their field.
final class SAEEnsembleFileTests: XCTestCase {
  private let toy = """
    "features": ["p", "c"],
    "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.25, "children": ["c"],
                              "child_probability": 0.2}]},
    "sae": {"latents": 2}
    """

  private func parse(_ ensemble: String, toy: String? = nil) throws -> SAECase {
    let text = "{\(toy ?? self.toy), \"ensemble\": \(ensemble)}"
    guard case .sae(let s) = try CaseDocument(json: Data(text.utf8), defaultName: "t") else {
      throw XCTSkip("not an SAE case")
    }
    return s
  }

  func testBlockIsReadAsWritten() throws {
    let s = try parse(
      """
      {"method": "boosting", "members": 3, "expect": [
        {"quantity": "mse_ratio", "max": 0.5},
        {"quantity": "hedging_mass", "member": 2, "statistic": "max", "min": 0.1, "max": 0.3},
        {"quantity": "stability", "min": 0.9}]}
      """)
    let spec = try XCTUnwrap(s.ensemble)
    XCTAssertEqual(spec.method, .boosting)
    XCTAssertEqual(spec.members, 3)
    XCTAssertEqual(
      spec.expectations,
      [
        SAEEnsembleExpectation(.mseRatio, max: 0.5),
        SAEEnsembleExpectation(.hedgingMass(member: 2, .max), min: 0.1, max: 0.3),
        SAEEnsembleExpectation(.stability, min: 0.9),
      ])
  }

  /// A sampled toy's block takes `samples` (default 100,000).
  func testSampledToyReadsSamples() throws {
    let correlated = """
      "features": ["a", "b"],
      "correlated": {"probabilities": 0.2, "correlation": {"seed": 4, "main": 1, "strength": 0.3}},
      "sae": {"latents": 1}
      """
    let given = try XCTUnwrap(
      try parse(#"{"method": "boosting", "members": 3, "samples": 5000}"#, toy: correlated).ensemble)
    XCTAssertEqual(given.samples, 5000)
    let plain = try XCTUnwrap(
      try parse(#"{"method": "bagging", "members": 2}"#, toy: correlated).ensemble)
    XCTAssertEqual(plain.samples, 100_000)
  }

  func testBadValuesNameTheirField() throws {
    let correlated = """
      "features": ["a", "b"],
      "correlated": {"probabilities": 0.2, "correlation": {"seed": 4, "main": 1, "strength": 0.3}},
      "sae": {"latents": 1}
      """
    for (ensemble, toy, field) in [
      (#"{"method": "stacking", "members": 2}"#, nil, "ensemble.method"),
      (#"{"members": 2}"#, nil, "ensemble.method"),
      (#"{"method": "bagging", "members": 0}"#, nil, "ensemble.members"),
      (#"{"method": "bagging", "members": 51}"#, nil, "ensemble.members"),
      (#"{"method": "bagging"}"#, nil, "ensemble.members"),
      (#"{"method": "bagging", "members": 2, "seeds": 3}"#, nil, "ensemble.seeds"),
      (
        #"{"method": "bagging", "members": 1, "expect": [{"quantity": "diversity", "max": 1}]}"#,
        nil, "ensemble.expect[0].quantity"
      ),
      (
        #"{"method": "bagging", "members": 2, "expect": [{"quantity": "hedging_mass", "member": 2, "max": 1}]}"#,
        nil, "ensemble.expect[0].member"
      ),
      (
        #"{"method": "bagging", "members": 2, "expect": [{"quantity": "mse", "member": 0, "max": 1}]}"#,
        nil, "ensemble.expect[0].member"
      ),
      (
        #"{"method": "bagging", "members": 2, "expect": [{"quantity": "mse"}]}"#, nil,
        "ensemble.expect[0].min"
      ),
      (#"{"method": "bagging", "members": 2, "samples": 1000}"#, nil, "ensemble.samples"),
      (#"{"method": "bagging", "members": 2, "samples": 1}"#, correlated, "ensemble.samples"),
      (#"{"method": "bagging", "members": 2, "samples": 2.5}"#, correlated, "ensemble.samples"),
    ] {
      XCTAssertThrowsError(try parse(ensemble, toy: toy), ensemble) { error in
        XCTAssertTrue("\(error)".hasPrefix(field), "\(ensemble): \(error)")
      }
    }
  }
}
