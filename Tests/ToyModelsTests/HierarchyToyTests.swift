import TestSupport
import XCTest

@testable import ToyModels

final class HierarchyToyTests: XCTestCase {
  private func a(_ f: Int, _ m: Double = 1) -> ActiveFeature {
    ActiveFeature(feature: f, magnitude: m)
  }

  /// Patterns as (sorted feature list) -> weight, for order-free comparison.
  private func table(_ ps: [WeightedPattern]) -> [[Int]: Double] {
    var t: [[Int]: Double] = [:]
    for p in ps { t[p.active.map(\.feature), default: 0] += p.weight }
    return t
  }

  func testExclusiveChildrenByHand() throws {
    // P(parent) 0.3; children 0.4, 0.2 given the parent: off 0.7, parent alone 0.3 * 0.4,
    // parent + c1 0.3 * 0.4, parent + c2 0.3 * 0.2.
    let toy = try HierarchyToy(
      featureCount: 3,
      groups: [
        .init(
          parent: 0, probability: 0.3, magnitude: 1,
          children: [
            .init(feature: 1, probability: 0.4, magnitude: 0.5),
            .init(feature: 2, probability: 0.2),
          ],
          exclusiveChildren: true)
      ])
    let e = try toy.enumerate()
    XCTAssertEqual(e.droppedMass, 0)
    let t = table(e.patterns)
    XCTAssertEqual(t.count, 4)
    XCTAssertEqual(t[[]]!, 0.7, accuracy: 1e-15)
    XCTAssertEqual(t[[0]]!, 0.12, accuracy: 1e-15)
    XCTAssertEqual(t[[0, 1]]!, 0.12, accuracy: 1e-15)
    XCTAssertEqual(t[[0, 2]]!, 0.06, accuracy: 1e-15)
    let withChild = e.patterns.first { $0.active.count == 2 && $0.active[1].feature == 1 }!
    XCTAssertEqual(withChild.active, [a(0), a(1, 0.5)])
  }

  func testParentOnlyWithAChildByHand() throws {
    // Given the parent (0.3), at least one child fires: c1 0.4 / 0.6, c2 0.2 / 0.6.
    let toy = try HierarchyToy(
      featureCount: 3,
      groups: [
        .init(
          parent: 0, probability: 0.3,
          children: [.init(feature: 1, probability: 0.4), .init(feature: 2, probability: 0.2)],
          exclusiveChildren: true, parentFiresAlone: false)
      ])
    let t = table(try toy.enumerate().patterns)
    XCTAssertEqual(t.count, 3)
    XCTAssertEqual(t[[]]!, 0.7, accuracy: 1e-15)
    XCTAssertEqual(t[[0, 1]]!, 0.2, accuracy: 1e-15)
    XCTAssertEqual(t[[0, 2]]!, 0.1, accuracy: 1e-15)
  }

  func testIndependentChildrenAndIndependentFeatureByHand() throws {
    // Parent 0.2 with independent children 0.5, 0.25; feature 3 alone with 0.1.
    let toy = try HierarchyToy(
      featureCount: 4,
      groups: [
        .init(
          parent: 0, probability: 0.2,
          children: [.init(feature: 1, probability: 0.5), .init(feature: 2, probability: 0.25)],
          exclusiveChildren: false)
      ],
      independent: [.init(feature: 3, probability: 0.1, magnitude: 2)])
    let t = table(try toy.enumerate().patterns)
    XCTAssertEqual(t.count, 10)
    XCTAssertEqual(t[[]]!, 0.8 * 0.9, accuracy: 1e-15)
    XCTAssertEqual(t[[3]]!, 0.8 * 0.1, accuracy: 1e-15)
    XCTAssertEqual(t[[0]]!, 0.2 * 0.5 * 0.75 * 0.9, accuracy: 1e-15)
    XCTAssertEqual(t[[0, 1, 2, 3]]!, 0.2 * 0.5 * 0.25 * 0.1, accuracy: 1e-15)
    XCTAssertEqual(t[[0, 2]]!, 0.2 * 0.5 * 0.25 * 0.9, accuracy: 1e-15)
  }

  /// The paper's 14-children toy: the parent fires iff one of 14 independent children fires.
  func testFourteenChildrenSumsToOne() throws {
    let children = (1...14).map { HierarchyToy.Child(feature: $0, probability: 0.3) }
    let toy = try HierarchyToy(
      featureCount: 15,
      groups: [
        .init(
          parent: 0, probability: 0.25, children: children,
          exclusiveChildren: false, parentFiresAlone: false)
      ])
    let e = try toy.enumerate()
    XCTAssertEqual(e.patterns.count, 1 + (1 << 14) - 1)
    XCTAssertEqual(e.patterns.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-12)
    XCTAssertFalse(e.patterns.contains { $0.active.map(\.feature) == [0] })
    // P(child 1) = 0.25 * 0.3 / (1 - 0.7^14).
    let p1 = e.patterns.filter { $0.active.contains { $0.feature == 1 } }.reduce(0) {
      $0 + $1.weight
    }
    XCTAssertEqual(p1, 0.25 * 0.3 / (1 - pow(0.7, 14)), accuracy: 1e-13)
  }

  func testCutoffReportsDroppedMassAndRefusesTooMuch() throws {
    let toy = try HierarchyToy(
      featureCount: 3, groups: [],
      independent: (0..<3).map { .init(feature: $0, probability: 1e-5) })
    // Patterns of two or three features (prob ~1e-10, 1e-15) fall below 1e-9 ...
    XCTAssertThrowsError(try toy.enumerate(cutoff: 1e-9))
    // ... only the triple (1e-15) below 1e-12.
    let e = try toy.enumerate(cutoff: 1e-12)
    XCTAssertEqual(e.patterns.count, 7)
    XCTAssertEqual(e.droppedMass, 1e-15, accuracy: 1e-20)
    XCTAssertEqual(e.patterns.reduce(0) { $0 + $1.weight } + e.droppedMass, 1, accuracy: 1e-15)
  }

  func testInvalidToysAreRefusedNamingTheField() {
    XCTAssertThrowsError(
      try HierarchyToy(
        featureCount: 2, groups: [],
        independent: [.init(feature: 0, probability: 1.5)])
    ) { XCTAssertTrue("\($0)".contains("independent[0].probability")) }
    XCTAssertThrowsError(
      try HierarchyToy(
        featureCount: 3,
        groups: [
          .init(
            parent: 0, probability: 0.5,
            children: [
              .init(feature: 1, probability: 0.7),
              .init(feature: 2, probability: 0.6),
            ],
            exclusiveChildren: true)
        ])
    ) { XCTAssertTrue("\($0)".contains("groups[0].children")) }
    XCTAssertThrowsError(
      try HierarchyToy(
        featureCount: 2,
        groups: [
          .init(
            parent: 0, probability: 0.5, children: [.init(feature: 0, probability: 0.1)],
            exclusiveChildren: true)
        ])
    ) { XCTAssertTrue("\($0)".contains("used twice")) }
  }

  /// A million samples of the generative process (drawn here, independently of the enumerator)
  /// match the enumerated probabilities within a chi-square bound.
  func testEnumerationMatchesAMillionSamples() throws {
    let toy = try HierarchyToy(
      featureCount: 7,
      groups: [
        .init(
          parent: 0, probability: 0.3,
          children: [.init(feature: 1, probability: 0.4), .init(feature: 2, probability: 0.35)],
          exclusiveChildren: true, parentFiresAlone: true),
        .init(
          parent: 3, probability: 0.2,
          children: [.init(feature: 4, probability: 0.5), .init(feature: 5, probability: 0.3)],
          exclusiveChildren: false, parentFiresAlone: false),
      ],
      independent: [.init(feature: 6, probability: 0.15)])
    let patterns = try toy.enumerate().patterns
    XCTAssertEqual(patterns.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-14)
    var index: [UInt32: Int] = [:]
    for (j, p) in patterns.enumerated() {
      index[p.active.reduce(UInt32(0)) { $0 | (1 << UInt32($1.feature)) }] = j
    }
    XCTAssertEqual(index.count, patterns.count)

    var rng = SplitMix64(seed: 12345)
    func u() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
    let n = 1_000_000
    var counts = [Int](repeating: 0, count: patterns.count)
    for _ in 0..<n {
      var mask: UInt32 = 0
      if u() < 0.3 {  // group 1: exclusive children, parent may fire alone
        mask |= 1
        let v = u()
        if v < 0.4 { mask |= 1 << 1 } else if v < 0.75 { mask |= 1 << 2 }
      }
      if u() < 0.2 {  // group 2: independent children, redrawn until one fires
        mask |= 1 << 3
        var c: UInt32 = 0
        while c == 0 {
          if u() < 0.5 { c |= 1 << 4 }
          if u() < 0.3 { c |= 1 << 5 }
        }
        mask |= c
      }
      if u() < 0.15 { mask |= 1 << 6 }
      guard let j = index[mask] else { return XCTFail("sampled pattern \(mask) not enumerated") }
      counts[j] += 1
    }
    var chi2 = 0.0
    for (j, p) in patterns.enumerated() {
      let expected = Double(n) * p.weight
      chi2 += (Double(counts[j]) - expected) * (Double(counts[j]) - expected) / expected
    }
    // 4 * 4 * 2 = 32 patterns, 31 degrees of freedom: P(chi2 > 70) < 1e-4.
    XCTAssertEqual(patterns.count, 32)
    XCTAssertLessThan(chi2, 70)
  }

  /// Issue 21 item 7: 40 independent features (2^40 patterns) or a group of 30 children that
  /// fire independently (2^30 states) are refused before anything is built, naming the count
  /// and the cutoff that bounds the patterns (1/2^20); with that cutoff 40 features of
  /// probability 0.01 pass the bound (at most 2^20 patterns can have probability >= 2^-20).
  func testEnumerationIsBoundedBeforeItIsBuilt() throws {
    let forty = try HierarchyToy(
      featureCount: 40, groups: [],
      independent: (0..<40).map { HierarchyToy.Independent(feature: $0, probability: 0.01) })
    XCTAssertEqual(forty.patternBound(cutoff: 0), 1_099_511_627_776)  // 2^40
    XCTAssertThrowsError(try forty.enumerate()) {
      XCTAssertEqual(
        "\($0)",
        "cutoff: 0.0 keeps up to 1099511627776 patterns, above 1048576: a cutoff of "
          + "9.5367431640625e-07 or more bounds them")
    }
    XCTAssertEqual(forty.patternBound(cutoff: 1.0 / 1_048_576), 1_048_576)
    let wide = try HierarchyToy(
      featureCount: 31,
      groups: [
        HierarchyToy.Group(
          parent: 0, probability: 0.5,
          children: (1...30).map { HierarchyToy.Child(feature: $0, probability: 0.1) },
          exclusiveChildren: false)
      ])
    XCTAssertThrowsError(try wide.enumerate(cutoff: 0.01)) {
      XCTAssertEqual(
        "\($0)",
        "groups[0].children: 30 children that fire independently make 1073741825 states, "
          + "above 1048576")
    }
  }
}
