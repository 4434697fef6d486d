import ToyModels
import XCTest

@testable import Landscape

final class CaseToyModelTests: XCTestCase {
  func testExplicitPatternsBecomeSparseWeightedPatterns() {
    let c = LatentCase(
      name: "t", title: "t", features: ["parent", "child"],
      patterns: [
        Pattern(name: "parent", probability: 0.15, magnitudes: [1, 0]),
        Pattern(name: "both", probability: 0.1, magnitudes: [1, 0.5]),
      ],
      path: LatentPath(from: [1, 0], to: [1, 1]))
    let toy = c.toyModel
    XCTAssertEqual(toy.features, ["parent", "child"])
    XCTAssertEqual(
      toy.patterns,
      [
        WeightedPattern(weight: 0.15, active: [ActiveFeature(feature: 0, magnitude: 1)]),
        WeightedPattern(
          weight: 0.1,
          active: [
            ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 0.5),
          ]),
        WeightedPattern(weight: 0.75, active: []),
      ])
    XCTAssertEqual(toy.patterns![1].magnitudes(features: 2), [1, 0.5])
  }
}
