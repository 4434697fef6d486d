import XCTest

@testable import ToyModels

/// Enumerated firing patterns with drawn magnitudes: frequencies and moments of the draws
/// against closed forms, seed for seed determinism, and what is refused.
final class DrawnMagnitudesTests: XCTestCase {
  /// The parent fires alone with P 0.2 and with its child with P 0.1 (nothing: 0.7); the
  /// parent's magnitude is relu(0.3 + g), the child's fixed at 2.
  func toy() throws -> DrawnMagnitudes {
    try DrawnMagnitudes(
      patterns: [
        WeightedPattern(weight: 0.2, active: [ActiveFeature(feature: 0, magnitude: 0.3)]),
        WeightedPattern(
          weight: 0.1,
          active: [ActiveFeature(feature: 0, magnitude: 0.3), ActiveFeature(feature: 1, magnitude: 2)]),
        WeightedPattern(weight: 0.7, active: []),
      ],
      distribution: MagnitudeDistribution(.relu, means: [0.3, 2], stds: [1, 0]))
  }

  /// Over 400,000 draws, by hand with Phi(0.3) = 0.6179114221889526 and
  /// E relu(0.3 + g) = 0.5667612421172099 (scipy): the parent is present with P
  /// 0.3 Phi(0.3) = 0.18537342665668578, its mean over all draws 0.3 * 0.5667612421172099 =
  /// 0.17002837263516297; the child is present with P 0.1, always at 2, and without the
  /// parent (clipped) with P 0.1 (1 - Phi(0.3)) = 0.03820885778110474. Standard errors below
  /// 0.0007; tolerance 0.004.
  func testDrawsFollowThePatternsAndTheMagnitudes() throws {
    let sampler = DrawnMagnitudes.Sampler(try toy())
    let n = 400_000
    var parent = 0.0
    var parentSum = 0.0
    var child = 0.0
    var childAlone = 0.0
    let draws = MagnitudeDistributionTests.drawnAlone(sampler, n, chunk: 4000, RandomStream(seed: 9))
    for q in draws {
      for a in q.active {
        if a.feature == 0 {
          parent += 1
          parentSum += a.magnitude
        } else {
          XCTAssertEqual(a.magnitude, 2)
          child += 1
          if q.active.count == 1 { childAlone += 1 }
        }
      }
    }
    let total = Double(n)
    XCTAssertEqual(parent / total, 0.18537342665668578, accuracy: 0.004)
    XCTAssertEqual(parentSum / total, 0.17002837263516297, accuracy: 0.004)
    XCTAssertEqual(child / total, 0.1, accuracy: 0.004)
    XCTAssertEqual(childAlone / total, 0.03820885778110474, accuracy: 0.004)
  }

  func testSameSeedSameBatch() throws {
    let t = try toy()
    func batch(seed: UInt64) -> [WeightedPattern] {
      let b = PatternBatch()
      DrawnMagnitudes.Sampler(t).draw(500, RandomStream(seed: seed), into: b)
      return b.patterns
    }
    XCTAssertEqual(batch(seed: 3), batch(seed: 3))
    XCTAssertNotEqual(batch(seed: 3), batch(seed: 4))
    let toyModel = ToyModel(features: ["parent", "child"], firing: .drawnMagnitudes(t))
    XCTAssertNil(toyModel.patterns)
    XCTAssertFalse(toyModel.isCorrelated)
    let b = PatternBatch()
    try XCTUnwrap(toyModel.sampler()).draw(500, RandomStream(seed: 3), into: b)
    XCTAssertEqual(b.patterns, batch(seed: 3))
  }

  func testFixedMagnitudesAreEnumerableAndBadOnesRefused() throws {
    let patterns = try toy().patterns
    let fixed = try ToyModel.Firing.patterns(patterns, magnitudes: MagnitudeDistribution(fixed: [0.3, 2]))
    XCTAssertEqual(fixed, .enumerable(patterns))
    XCTAssertThrowsError(
      try DrawnMagnitudes(patterns: patterns, distribution: MagnitudeDistribution(fixed: [0.3, 2]))
    ) { XCTAssertEqual(($0 as? FieldError)?.field, "magnitude_std") }
    XCTAssertThrowsError(
      try DrawnMagnitudes(
        patterns: patterns, distribution: MagnitudeDistribution(.folded, means: [1], stds: [1]))
    ) { XCTAssertEqual(($0 as? FieldError)?.field, "patterns[1]") }
    XCTAssertThrowsError(
      try DrawnMagnitudes(
        patterns: [WeightedPattern(weight: 0, active: [])],
        distribution: MagnitudeDistribution(.folded, means: [1], stds: [1]))
    ) { XCTAssertEqual(($0 as? FieldError)?.field, "patterns") }
  }
}
