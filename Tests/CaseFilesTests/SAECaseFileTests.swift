import Foundation
import SparseAutoencoders
import ToyModels
import XCTest

@testable import CaseFiles

/// SAE case files: the toy model enumerated or sampled as written, the SAE's shape, the plan
/// and the expectations.
final class SAECaseFileTests: XCTestCase {
  func parse(_ text: String) throws -> SAECase {
    guard case .sae(let s) = try CaseDocument(json: Data(text.utf8), defaultName: "t") else {
      throw XCTSkip("not an SAE case")
    }
    return s
  }

  func testHierarchyIsEnumeratedAsWritten() throws {
    // A parent (P = 0.4) with exclusive children a (0.25 | parent) and b (0.5 | parent), and
    // an independent feature c (0.1): by hand, 3 group states x 2 = 6 patterns (the group's
    // "off" state included: 0.6 x 0.9 for nothing at all).
    let s = try parse(
      """
      {"features": ["p", "a", "b", "c"],
       "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.4, "children": ["a", "b"],
                                 "child_probability": [0.25, 0.5]}],
                     "independent": [{"feature": "c", "probability": 0.1}]},
       "sae": {"latents": 2, "tied": true, "activation": "topk", "top_k": 1, "matryoshka": [1, 2],
               "init": ["p", "c"], "init_noise": 0.01},
       "train": {"data": "counts", "loss": "snap", "snap_at": 7, "steps": 10, "batch": 64,
                 "lr": 0.01, "seed": 3, "l1": 0.5, "dim": 6},
       "expect": [{"quantity": "encoder_hedging_mass", "latents": [0], "statistic": "max",
                   "max": 0.1}, {"quantity": "decoder_bias", "feature": "c", "min": 0}]}
      """)
    let patterns = try XCTUnwrap(s.toy.patterns)
    func p(_ active: [Int]) -> Double {
      patterns.filter { $0.active.map(\.feature) == active }.reduce(0) { $0 + $1.weight }
    }
    XCTAssertEqual(patterns.count, 8)  // off, p alone, p+a, p+b; each with and without c
    XCTAssertEqual(p([]), 0.6 * 0.9, accuracy: 1e-15)
    XCTAssertEqual(p([0]), 0.4 * 0.25 * 0.9, accuracy: 1e-15)
    XCTAssertEqual(p([0, 1]), 0.4 * 0.25 * 0.9, accuracy: 1e-15)
    XCTAssertEqual(p([0, 2, 3]), 0.4 * 0.5 * 0.1, accuracy: 1e-15)
    XCTAssertEqual(patterns.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-15)
    XCTAssertEqual(s.architecture.latents, 2)
    XCTAssertTrue(s.architecture.tied)
    XCTAssertEqual(s.architecture.activation, .topk)
    XCTAssertEqual(s.architecture.topK, 1)
    XCTAssertEqual(s.architecture.matryoshka, [1, 2])
    XCTAssertEqual(s.architecture.initialFeatures, [0, 3])
    XCTAssertEqual(s.architecture.initialNoise, 0.01)
    XCTAssertEqual(s.plan.data, .counts)
    XCTAssertEqual(s.plan.loss, .snap)
    XCTAssertEqual(s.plan.snapAt, 7)
    XCTAssertEqual(s.plan.dimension, 6)
    XCTAssertEqual(s.plan.l1, 0.5)
    XCTAssertEqual(s.plan.seed, 3)
    XCTAssertEqual(
      s.expectations,
      [
        SAEExpectation(.encoderHedgingMass(latents: [0], .max), max: 0.1),
        SAEExpectation(.decoderBias(feature: 3), min: 0),
      ])
  }

  func testCorrelatedToyIsSampledWithTheSeededMatrix() throws {
    let s = try parse(
      """
      {"features": ["a", "b", "c"],
       "correlated": {"probabilities": 0.2, "correlation": {"seed": 4, "main": 1, "strength": 0.3}},
       "sae": {"latents": 1}}
      """)
    XCTAssertNil(s.toy.patterns)
    guard case .correlated(let firing) = s.toy.firing else { return XCTFail("not correlated") }
    XCTAssertEqual(firing.probabilities, [0.2, 0.2, 0.2])
    XCTAssertEqual(
      firing.correlation,
      CorrelatedFiring.randomCorrelation(features: 3, main: 1, strength: 0.3, seed: 4))
    XCTAssertEqual(s.plan.data, .samples)  // the default for a sampled toy
    // Several starts compare exact losses, which a sampled toy has not.
    XCTAssertThrowsError(
      try parse(
        """
        {"features": ["a", "b", "c"],
         "correlated": {"probabilities": 0.2, "correlation": {"seed": 4, "main": 1, "strength": 0.3}},
         "sae": {"latents": 1}, "train": {"starts": 2}}
        """)
    ) { XCTAssertEqual(($0 as? FieldError)?.field, "train.starts") }
  }

  func testCorrelatedMagnitudesAreReadWithTheirDistribution() throws {
    func toy(_ block: String) throws -> CorrelatedFiring {
      let s = try parse(
        """
        {"features": ["a", "b"],
         "correlated": {"probabilities": 0.2, "correlation": {"seed": 4}\(block)},
         "sae": {"latents": 1}}
        """)
      guard case .correlated(let f) = s.toy.firing else { throw XCTSkip("not correlated") }
      return f
    }
    XCTAssertEqual(try toy("").magnitudeDistribution, MagnitudeDistribution(fixed: [1, 1]))
    XCTAssertEqual(
      try toy(#", "magnitude": [1, 2], "magnitude_std": 0.15"#).magnitudeDistribution,
      try MagnitudeDistribution(.relu, means: [1, 2], stds: [0.15, 0.15]))
    XCTAssertEqual(
      try toy(#", "magnitude_std": [0, 0.3], "magnitude_distribution": "folded""#)
        .magnitudeDistribution,
      try MagnitudeDistribution(.folded, means: [1, 1], stds: [0, 0.3]))
    for (block, field) in [
      (#", "magnitude_std": -0.1"#, "correlated.magnitude_std"),
      (#", "magnitude_std": [0.1]"#, "correlated.magnitude_std"),
      (#", "magnitude": [1, 2, 3]"#, "correlated.magnitude"),
      (#", "magnitude_std": 0.1, "magnitude_distribution": "fixed""#,
       "correlated.magnitude_distribution"),
      (#", "magnitude_distribution": "lognormal""#, "correlated.magnitude_distribution"),
    ] {
      XCTAssertThrowsError(try toy(block), block) {
        XCTAssertEqual(($0 as? FieldError)?.field, field, block)
      }
    }
    // Drawn magnitudes are sampled only: exact data is refused, naming the field.
    XCTAssertThrowsError(
      try parse(
        """
        {"features": ["a", "b"],
         "correlated": {"probabilities": 0.2, "correlation": {"seed": 4}, "magnitude_std": 0.15},
         "sae": {"latents": 1}, "train": {"data": "exact"}}
        """)
    ) { XCTAssertEqual(($0 as? FieldError)?.field, "train.data") }
  }

  /// A hierarchy with magnitude_std: the same patterns as without, each feature's magnitude
  /// (its group's, its own, or the hierarchy's) the mean of its draw; sampled only.
  func testHierarchyMagnitudesCanBeDrawn() throws {
    func toy(_ block: String, train: String = "") throws -> ToyModel {
      try parse(
        """
        {"features": ["p", "c", "solo", "rest"],
         "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.3, "children": ["c"],
                                   "child_probability": 0.5, "magnitude": 2}],
                       "independent": [{"feature": "solo", "probability": 0.1, "magnitude": 3}],
                       "magnitude": 1.5\(block)},
         "sae": {"latents": 1}\(train)}
        """
      ).toy
    }
    let fixed = try XCTUnwrap(try toy("").patterns)
    let drawn = try toy(#", "magnitude_std": 0.2"#)
    guard case .drawnMagnitudes(let d) = drawn.firing else { return XCTFail("not drawn: \(drawn.firing)") }
    XCTAssertEqual(d.patterns, fixed)
    XCTAssertEqual(d.distribution, try MagnitudeDistribution(.relu, means: [2, 2, 3, 1.5], stds: [0.2, 0.2, 0.2, 0.2]))
    guard case .drawnMagnitudes(let f) = try toy(#", "magnitude_std": [0, 0.1, 0, 0], "magnitude_distribution": "folded""#).firing
    else { return XCTFail("not drawn") }
    XCTAssertEqual(f.distribution, try MagnitudeDistribution(.folded, means: [2, 2, 3, 1.5], stds: [0, 0.1, 0, 0]))
    XCTAssertEqual(try toy(#", "magnitude_std": 0"#).patterns, fixed)
    for (block, field) in [
      (#", "magnitude_std": [0.1]"#, "hierarchy.magnitude_std"),
      (#", "magnitude_std": -1"#, "hierarchy.magnitude_std"),
      (#", "magnitude_distribution": "wide""#, "hierarchy.magnitude_distribution"),
    ] {
      XCTAssertThrowsError(try toy(block), block) { XCTAssertEqual(($0 as? FieldError)?.field, field, block) }
    }
    XCTAssertThrowsError(try toy(#", "magnitude_std": 0.2"#, train: #", "train": {"data": "counts"}"#)) {
      XCTAssertEqual(($0 as? FieldError)?.field, "train.data")
    }
  }

  func testExpectationsAreCheckedOrientedAndSummarised() throws {
    // A latent that tracks -parent: its child cosine reads with the sign flipped.
    let sae = try SAE(decoder: [[-0.8, 0.6]], decoderBias: [0, 0.2])
    let reading = SAEReading(sae)
    let e = SAEExpectation(.decoderCosine(latent: 0, feature: 1), max: -0.5)
    XCTAssertEqual(e.value(reading, mse: 0, l2: 0), -0.6, accuracy: 1e-15)
    XCTAssertTrue(e.holds(for: -0.6))
    XCTAssertFalse(e.holds(for: -0.4))
    let bias = SAEExpectation(.decoderBias(feature: 1), min: 0.18, max: 0.22)
    XCTAssertEqual(bias.value(reading, mse: 0, l2: 0), 0.2)
    XCTAssertEqual(bias.bounds, "[0.18, 0.22]")
    // Median of three hedging masses 0.01, 0.04 and 0.36.
    let three = try SAE(decoder: [[1, 0.1], [1, 0.2], [1, 0.6]].map { r in
      let n = (r[0] * r[0] + r[1] * r[1]).squareRoot()
      return [r[0] / n, r[1] / n]
    }, decoderBias: [0, 0])
    let median = SAEExpectation(.decoderHedgingMass(latents: [], .median), max: 1)
    XCTAssertEqual(median.value(SAEReading(three), mse: 0, l2: 0), 0.04 / 1.04, accuracy: 1e-15)
  }
}
