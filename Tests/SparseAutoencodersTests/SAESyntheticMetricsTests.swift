import ToyModels
import XCTest

@testable import SparseAutoencoders

/// SAELens's synthetic metrics as expectations over patterns, against an independent numpy
/// computation of SAELens's definitions (evals.py) over the same patterns, with scipy's
/// linear_sum_assignment for the MCC.
final class SAESyntheticMetricsTests: XCTestCase {
  /// Features a, b, c (unit vectors, d = 3): a .3, b .2, a and b .1, c .15, none .25.
  let patterns = [
    WeightedPattern(weight: 0.3, active: [ActiveFeature(feature: 0, magnitude: 1)]),
    WeightedPattern(weight: 0.2, active: [ActiveFeature(feature: 1, magnitude: 1)]),
    WeightedPattern(
      weight: 0.1,
      active: [ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 1)]),
    WeightedPattern(weight: 0.15, active: [ActiveFeature(feature: 2, magnitude: 1)]),
    WeightedPattern(weight: 0.25, active: []),
  ]

  /// Two latents (fewer than the features: the matching is rectangular), untied, relu.
  func sae(secondBias: Double) throws -> SAE {
    try SAE(
      decoder: [[0.9, 0.3, 0.1], [0.2, 1.1, -0.4]], decoderBias: [0.05, 0, 0.1],
      encoder: [[1.0, 0.2, -0.5], [-0.3, 0.9, 0.0]], encoderBias: [-0.1, secondBias])
  }

  func testMetricsEqualNumpyOverThePatterns() throws {
    let m = SAESyntheticMetrics(try sae(secondBias: -0.35), patterns: patterns, features: 3, basis: nil)
    // numpy (throwaway script over the five patterns):
    XCTAssertEqual(m.trueL0, 0.85, accuracy: 1e-15)
    XCTAssertEqual(m.deadLatents, 0)
    XCTAssertEqual(m.shrinkage, 0.6987098648665325, accuracy: 1e-14)
    XCTAssertEqual(m.explainedVariance, 0.619677619047619, accuracy: 1e-14)
    XCTAssertEqual(m.mcc, 0.9349117331114487, accuracy: 1e-14)
    XCTAssertEqual(m.uniqueness, 1)
    XCTAssertEqual(m.detectors.map(\.feature), [0, 1])
    XCTAssertEqual(m.detectors[0].precision, 2.0 / 3, accuracy: 1e-15)
    XCTAssertEqual(m.detectors[0].recall, 1, accuracy: 1e-15)
    XCTAssertEqual(m.detectors[0].f1, 0.8, accuracy: 1e-15)
    XCTAssertEqual(m.detectors[0].accuracy, 0.8, accuracy: 1e-15)
    XCTAssertEqual(m.precision, 0.8333333333333333, accuracy: 1e-15)
    XCTAssertEqual(m.f1, 0.9, accuracy: 1e-15)
    XCTAssertEqual(m.accuracy, 0.9, accuracy: 1e-15)
  }

  /// The second latent never fires (its bias -10): dead, precision, recall and f1 0 by
  /// SAELens's convention, its accuracy the probability that b is off, 0.7.
  func testDeadLatent() throws {
    let m = SAESyntheticMetrics(try sae(secondBias: -10), patterns: patterns, features: 3, basis: nil)
    XCTAssertEqual(m.deadLatents, 1)
    XCTAssertEqual(m.shrinkage, 0.5437444724982429, accuracy: 1e-14)
    XCTAssertEqual(m.explainedVariance, 0.29426839826839823, accuracy: 1e-14)
    XCTAssertEqual(m.detectors[1].precision, 0)
    XCTAssertEqual(m.detectors[1].f1, 0)
    XCTAssertEqual(m.detectors[1].accuracy, 0.7, accuracy: 1e-15)
    XCTAssertEqual(m.precision, 1.0 / 3, accuracy: 1e-15)
    XCTAssertEqual(m.recall, 0.5, accuracy: 1e-15)
    XCTAssertEqual(m.accuracy, 0.75, accuracy: 1e-15)
  }

  /// The true-features SAE of independent features: mcc, uniqueness, precision, recall 1;
  /// two latents on one feature: uniqueness 1/2, mcc the mean of the matched 1 and 0.
  func testTrueFeaturesAndADuplicate() throws {
    let exact = try SAE(
      decoder: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], decoderBias: [0, 0, 0],
      encoder: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], encoderBias: [0, 0, 0])
    let m = SAESyntheticMetrics(exact, patterns: patterns, features: 3, basis: nil)
    XCTAssertEqual([m.mcc, m.uniqueness, m.precision, m.recall, m.explainedVariance, m.shrinkage], [1, 1, 1, 1, 1, 1])
    let twice = try SAE(
      decoder: [[1, 0, 0], [1, 0, 0]], decoderBias: [0, 0, 0],
      encoder: [[1, 0, 0], [1, 0, 0]], encoderBias: [0, 0])
    let t = SAESyntheticMetrics(twice, patterns: patterns, features: 3, basis: nil)
    XCTAssertEqual(t.uniqueness, 0.5)
    XCTAssertEqual(t.mcc, 0.5)
  }
}
