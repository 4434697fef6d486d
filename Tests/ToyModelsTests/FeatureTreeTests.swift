import XCTest

@testable import ToyModels

/// Trees under SAELens's and the paper's rules, against probabilities worked out by hand.
final class FeatureTreeTests: XCTestCase {
  private func table(_ patterns: [WeightedPattern]) -> [[Int]: Double] {
    Dictionary(uniqueKeysWithValues: patterns.map { ($0.active.map(\.feature), $0.weight) })
  }

  /// The paper's rule: a root that is not read out (always on), a parent (0.25) whose
  /// exclusive children are a (0.2), b (0.2) and a non-feature "none" (0.6), and solo (0.1).
  /// By hand: nothing 0.75 * 0.9; parent alone 0.25 * 0.6 * 0.9; parent+a 0.25 * 0.2 * 0.9;
  /// solo 0.75 * 0.1; parent+a+solo 0.25 * 0.2 * 0.1.
  func testPaperRule() throws {
    let parent = FeatureTree.Node(
      feature: 0, probability: 0.25, exclusiveChildren: true,
      children: [
        .init(feature: 1, probability: 0.2), .init(feature: 2, probability: 0.2),
        .init(feature: nil, probability: 0.6),
      ])
    let root = FeatureTree.Node(
      feature: nil, probability: 1,
      children: [parent, .init(feature: 3, probability: 0.1, magnitude: 2)])
    let t = table(try FeatureTree(rule: .paper, roots: [root], featureCount: 4).enumerate())
    let expected: [[Int]: Double] = [
      []: 0.675, [0]: 0.135, [0, 1]: 0.045, [0, 2]: 0.045, [3]: 0.075, [0, 3]: 0.015,
      [0, 1, 3]: 0.005, [0, 2, 3]: 0.005,
    ]
    XCTAssertEqual(Set(t.keys), Set(expected.keys))
    for (k, v) in expected { XCTAssertEqual(t[k]!, v, accuracy: 1e-15, "\(k)") }
  }

  /// SAELens's uniform choice among active exclusive siblings: with q = (1/2, 1/2) sibling 1
  /// wins alone (1/2 * 1/2) or against sibling 2 half the time (1/2 * 1/2 * 1/2): 3/8; three
  /// siblings always drawn: 1/3 each.
  func testExclusiveWinsAndTheirInverse() throws {
    let two = FeatureTree.exclusiveWinProbabilities([0.5, 0.5])
    XCTAssertEqual(two[0], 0.375, accuracy: 1e-15)
    XCTAssertEqual(two[1], 0.375, accuracy: 1e-15)
    for w in FeatureTree.exclusiveWinProbabilities([1, 1, 1]) { XCTAssertEqual(w, 1.0 / 3, accuracy: 1e-15) }
    let q = try XCTUnwrap(FeatureTree.exclusiveDrawProbabilities([0.375, 0.375]))
    XCTAssertEqual(q[0], 0.5, accuracy: 1e-12)
    XCTAssertEqual(q[1], 0.5, accuracy: 1e-12)
    // q = (1, 0.2): sibling 2 wins 0.2 / 2 = 0.1, sibling 1 the rest, 0.9.
    let r = try XCTUnwrap(FeatureTree.exclusiveDrawProbabilities([0.9, 0.1]))
    XCTAssertEqual(r[0], 1, accuracy: 1e-12)
    XCTAssertEqual(r[1], 0.2, accuracy: 1e-12)
  }

  /// SAELens's rule on a parent (0.5) with exclusive children q = (1/2, 1/2), each with a
  /// grandchild (1/2) under child 1: parent+c1 = 0.5 * 3/8 * 1/2, parent+c1+g the same,
  /// parent+c2 = 0.5 * 3/8, parent alone 0.5 * 1/4.
  func testSAELensRule() throws {
    let tree = try FeatureTree(
      rule: .saelens,
      roots: [
        .init(
          feature: 0, probability: 0.5, exclusiveChildren: true,
          children: [
            .init(feature: 1, probability: 0.5, children: [.init(feature: 3, probability: 0.5)]),
            .init(feature: 2, probability: 0.5),
          ])
      ], featureCount: 4)
    let t = table(try tree.enumerate())
    let expected: [[Int]: Double] = [
      []: 0.5, [0]: 0.125, [0, 1]: 0.09375, [0, 1, 3]: 0.09375, [0, 2]: 0.1875,
    ]
    XCTAssertEqual(Set(t.keys), Set(expected.keys))
    for (k, v) in expected { XCTAssertEqual(t[k]!, v, accuracy: 1e-15, "\(k)") }
    // And back: the patterns give the same tree's distribution.
    let names = ["p", "c1", "c2", "g"]
    let back = try FeatureTree.saelens(from: try tree.enumerate(), names: names)
    XCTAssertEqual(table(try back.tree.enumerate()).mapValues { ($0 * 1e12).rounded() }, t.mapValues { ($0 * 1e12).rounded() })
  }

  /// Two correlated features, neither inside the other (0.1 each alone, 0.1 together: not
  /// the independent 0.2 * 0.2), have no SAELens tree: refused. "Parent only with one of
  /// two children" is a tree (both children drawn with q = 1, one kept): accepted.
  func testANonTreeIsRefused() throws {
    let one = ActiveFeature(feature: 0, magnitude: 1)
    let two = ActiveFeature(feature: 1, magnitude: 1)
    let patterns = [
      WeightedPattern(weight: 0.1, active: [one]), WeightedPattern(weight: 0.1, active: [two]),
      WeightedPattern(weight: 0.1, active: [one, two]),
    ]
    let onlyWithAChild = [
      WeightedPattern(weight: 0.1, active: [one, two]),
      WeightedPattern(weight: 0.1, active: [one, ActiveFeature(feature: 2, magnitude: 1)]),
    ]
    let tree = try FeatureTree.saelens(from: onlyWithAChild, names: ["p", "a", "b"]).tree
    XCTAssertEqual(tree.roots[0].children.map(\.probability), [1, 1])
    XCTAssertThrowsError(try FeatureTree.saelens(from: patterns, names: ["a", "b"])) {
      XCTAssertTrue("\($0)".hasPrefix("patterns: are not a SAELens hierarchy"), "\($0)")
    }
  }
}
