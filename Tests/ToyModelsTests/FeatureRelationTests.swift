import XCTest

@testable import ToyModels

/// How a toy's features fire together, against matrices worked out by hand.
final class FeatureRelationTests: XCTestCase {
  /// Three patterns over three features: {a} 0.5, {a, b} 0.3 (b at magnitude 2, c listed at
  /// magnitude 0, so c does not fire), {b, c} 0.2. By hand: P(a) = 0.5 + 0.3 = 0.8,
  /// P(b) = 0.3 + 0.2 = 0.5, P(c) = 0.2, P(a and b) = 0.3, P(a and c) = 0, P(b and c) = 0.2.
  func testCooccurrenceOfAThreePatternToy() {
    let f = { (i: Int, m: Double) in ActiveFeature(feature: i, magnitude: m) }
    let toy = ToyModel(
      features: ["a", "b", "c"],
      firing: .enumerable([
        WeightedPattern(weight: 0.5, active: [f(0, 1)]),
        WeightedPattern(weight: 0.3, active: [f(0, 1), f(1, 2), f(2, 0)]),
        WeightedPattern(weight: 0.2, active: [f(1, 1), f(2, 1)]),
      ]))
    guard case .cooccurrence(let m) = toy.featureRelation else {
      return XCTFail("an enumerable toy's relation is its co-occurrence")
    }
    let expected: [[Double]] = [[0.8, 0.3, 0], [0.3, 0.5, 0.2], [0, 0.2, 0.2]]
    for i in 0..<3 {
      for j in 0..<3 { XCTAssertEqual(m[i][j], expected[i][j], accuracy: 1e-15, "(\(i), \(j))") }
    }
  }

  func testACorrelatedToysRelationIsItsCorrelationMatrix() throws {
    let c: [[Double]] = [[1, 0.3], [0.3, 1]]
    let toy = ToyModel(
      features: ["a", "b"],
      firing: .correlated(try CorrelatedFiring(probabilities: [0.2, 0.4], correlation: c)))
    XCTAssertEqual(toy.featureRelation, .correlation(c))
    XCTAssertEqual(toy.featureRelation.matrix, c)
  }
}
