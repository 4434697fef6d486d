import Foundation
import XCTest

@testable import Landscape

/// Reference values are derived independently of the code under test: the paper's cases
/// and the README's closed forms for the hierarchy (by hand), and for the other cases a
/// 40-digit mpmath evaluation of the model's definition (l = w/|w|, h = relu(l . (x - b)),
/// e = x - h l - b) with every local minimum of a 4000-point scan refined by ternary search.
/// Rational cusps are written as fractions: they are where w(t) is parallel to a pattern
/// (by hand).
final class MinimaTests: XCTestCase {
  func hierarchy(
    _ p0: Double, _ p01: Double, _ p1: Double? = nil, child: Double = 1, l1: Double = 0,
    bias: DecoderBias = .none, tMin: Double = 0, tMax: Double = 1
  ) throws -> LossLandscape {
    LossLandscape(
      try LatentCase.hierarchy(
        p0: p0, p01: p01, p1: p1, childMagnitude: child, l1: l1, bias: bias, tMin: tMin, tMax: tMax)
    )
  }

  func assertMinima(
    _ actual: [Minimum], _ expected: [(t: Double, loss: Double, global: Bool, kind: MinimumKind)],
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, "\(actual)", file: file, line: line)
    for (a, e) in zip(actual, expected) {
      XCTAssertEqual(a.t, e.t, accuracy: 1e-10, file: file, line: line)
      XCTAssertEqual(a.loss, e.loss, accuracy: 1e-12 * abs(e.loss), file: file, line: line)
      XCTAssertEqual(a.isGlobal, e.global, "t = \(a.t)", file: file, line: line)
      XCTAssertEqual(a.kind, e.kind, "t = \(a.t)", file: file, line: line)
    }
  }

  /// The stable root of p0 t^2 - (p0 + 2 p01) t + p01 = 0 in [0, 1/2] (the README).
  func tStar(_ p0: Double, _ p01: Double) -> Double {
    2 * p01 / ((p0 + 2 * p01) + (p0 * p0 + 4 * p01 * p01).squareRoot())
  }

  func testDesignTable() throws {
    let s5 = 5.0.squareRoot()
    let rows: [(Double, Double, Double, Double, [(Double, Double)])] = [
      (0.3, 0.1, 0.232408, 0.069722, [(0, 0.1)]),
      (0.1, 0.3, 0.458619, 0.045862, [(0.5, 0.070711)]),
      (0.15, 0.15, (3 - s5) / 2, 0.057295, [(0.5, 0.106066)]),
      (0.2, 0.05, (3 - s5) / 4, 0.038197, [(0, 0.05)]),
    ]
    for (p0, p01, t, loss, l2) in rows {
      let landscape = try hierarchy(p0, p01)
      let mse = landscape.minima(.mse)
      XCTAssertEqual(mse.count, 1)
      XCTAssertEqual(mse[0].t, t, accuracy: 1e-6)
      XCTAssertEqual(mse[0].t, tStar(p0, p01), accuracy: 1e-12)
      XCTAssertEqual(mse[0].loss, loss, accuracy: 1e-6)
      XCTAssertEqual(mse[0].loss, p0 * tStar(p0, p01), accuracy: 1e-15)
      XCTAssertEqual(mse[0].kind, .stationary)
      let minima = landscape.minima(.l2)
      XCTAssertEqual(minima.map(\.t), l2.map(\.0), "(\(p0), \(p01))")
      for (m, e) in zip(minima, l2) { XCTAssertEqual(m.loss, e.1, accuracy: 1e-6) }
    }
  }

  /// L2's minimum at t = 0 is the parent's cusp (the latent parallel to the pattern p0) and
  /// the range's start: `cuspAtEnd`, where `--t-min -0.5` makes it a plain cusp.
  func testIssueExampleExactDigits() throws {
    let landscape = try hierarchy(0.3, 0.1)
    // 0.3 t^2 - 0.5 t + 0.1 = 0: t = (0.5 - sqrt(0.13)) / 0.6.
    let t = (0.5 - 0.13.squareRoot()) / 0.6
    assertMinima(landscape.minima(.mse), [(t, 0.3 * t, true, .stationary)])
    assertMinima(landscape.minima(.l2), [(0, 0.1, true, .cuspAtEnd)])
  }

  func testEdgesOfTheHierarchy() throws {
    // p01 = 0: no hedging, the parent is the MSE minimum (tStar is 0 only then).
    XCTAssertEqual(try hierarchy(0.3, 0).minima(.mse).map(\.t), [0])
    // p0 = 0: t* = 1/2, the merged solution.
    XCTAssertEqual(try hierarchy(0, 0.3).minima(.mse)[0].t, 0.5, accuracy: 1e-15)
    // L2 regime boundaries: parent local iff p01 < p0; merged local iff p01 > p0/2.
    XCTAssertEqual(try hierarchy(0.2, 0.1).minima(.l2).map(\.t), [0])  // p01 = p0/2 exactly
    XCTAssertEqual(try hierarchy(0.2, 0.1001).minima(.l2).map(\.t), [0, 0.5])
    XCTAssertEqual(try hierarchy(0.2, 0.1999).minima(.l2).map(\.t), [0, 0.5])
    XCTAssertEqual(try hierarchy(0.2, 0.2).minima(.l2).map(\.t), [0.5])  // p01 = p0 exactly
    // Global: parent iff p01 < p0 / sqrt 2.
    let edge = 0.2 / 2.0.squareRoot()
    XCTAssertEqual(try hierarchy(0.2, edge - 1e-6).globalMinima(.l2).map(\.t), [0])
    XCTAssertEqual(try hierarchy(0.2, edge + 1e-6).globalMinima(.l2).map(\.t), [0.5])
  }

  func testChildAloneCorrelatedCase() throws {
    // Correlated: P(parent) 0.25, P(child | parent) 0.2, P(child | no parent) 0.1.
    let landscape = try hierarchy(0.2, 0.05, 0.075)
    assertMinima(
      landscape.minima(.mse), [(0.25968757625671513135, 0.10746094703208939142, true, .stationary)])
    assertMinima(landscape.minima(.l2), [(0, 0.125, true, .cuspAtEnd), (1, 0.25, false, .cuspAtEnd)])
  }

  func testIndependentCase() throws {
    let landscape = try hierarchy(0.2, 0.05, 0.15)
    // MSE: by hand the child-alone pattern adds 0.15 t^2 / D; t* = (3 - sqrt 5) / 2 / ... (mpmath).
    assertMinima(
      landscape.minima(.mse), [(0.38196601125010515179, 0.16909830056250525759, true, .stationary)])
    assertMinima(
      landscape.minima(.l2),
      [
        (0, 0.2, true, .cuspAtEnd), (0.5, 0.24748737341529163354, false, .cusp),
        (1, 0.25, false, .cuspAtEnd),
      ])
  }

  func testUnequalMagnitudes() throws {
    // Child of magnitude 2: the both-pattern (1, 2) is parallel to w(t) at t = 2/3.
    let landscape = try hierarchy(0.2, 0.05, child: 2)
    assertMinima(
      landscape.minima(.mse), [(0.43844718719116972509, 0.12192235935955848625, true, .stationary)])
    assertMinima(
      landscape.minima(.l2),
      [(0, 0.1, true, .cuspAtEnd), (2.0 / 3, 0.17888543819998317571, false, .cusp)])
  }

  func testAntiCorrelatedWithoutAndWithBias() throws {
    let plain = try hierarchy(0.225, 0.025, 0.15, tMin: -0.5)
    assertMinima(
      plain.minima(.mse), [(0.23240812075600178448, 0.16743060905670013384, true, .stationary)])
    assertMinima(plain.minima(.l2), [(0, 0.175, true, .cusp), (1, 0.25, false, .cuspAtEnd)])
    let biased = try hierarchy(0.225, 0.025, 0.15, bias: .centered, tMin: -0.5)
    // The centered bias b = mu - (l . mu) l: the MSE minimum moves to t < 0.
    assertMinima(
      biased.minima(.mse),
      [
        (-0.10642612553849460678, 0.14257145450537822907, true, .stationary),
        (1, 0.1875, false, .boundary),
      ])
    assertMinima(
      biased.minima(.l2),
      [
        (-7.0 / 23, 0.27774745255264248094, false, .cusp),
        (7.0 / 17, 0.25805805496349774697, true, .cusp),
        (1, 0.375, false, .boundary),
      ])
  }

  func testIndependentWithCenteredBiasIsNotHedged() throws {
    let landscape = try hierarchy(0.2, 0.05, 0.15, bias: .centered)
    assertMinima(landscape.minima(.mse), [(0, 0.16, true, .boundary)])
    assertMinima(landscape.minima(.l2), [(4.0 / 9, 0.24987801902176970484, true, .cusp)])
  }

  func testL1Penalty() throws {
    let landscape = try hierarchy(0.2, 0.05, l1: 0.1)
    assertMinima(
      landscape.minima(.mse), [(0.19241901655196032198, 0.063675677395975494212, true, .stationary)]
    )
    assertMinima(landscape.minima(.l2), [(0, 0.075, true, .cuspAtEnd)])
  }

  func testClosedFormCurves() throws {
    for (p0, p01) in [(0.3, 0.1), (0.1, 0.3), (0.05, 0.4)] {
      let landscape = try hierarchy(p0, p01)
      for i in 0...50 {
        let t = Double(i) / 50
        let d = 2 * t * t - 2 * t + 1
        let mse = (p0 * t * t + p01 * (1 - 2 * t) * (1 - 2 * t)) / d
        let l2 = (p0 * t + p01 * abs(1 - 2 * t)) / d.squareRoot()
        XCTAssertEqual(landscape.loss(.mse, at: t), mse, accuracy: 1e-15)
        XCTAssertEqual(landscape.loss(.l2, at: t), l2, accuracy: 1e-15)
      }
    }
  }

  func testPiecewiseFormsAgreeWithTheDefinition() throws {
    var cases: [LatentCase] = []
    for bias in DecoderBias.examples {
      cases.append(
        try LatentCase.hierarchy(
          p0: 0.225, p01: 0.025, p1: 0.15, l1: 0.05, bias: bias, tMin: -0.5, tMax: 1.5))
      cases.append(
        try LatentCase.hierarchy(
          p0: 0.2, p01: 0.05, p1: 0.1, childMagnitude: 2.5, bias: bias, tMin: -1, tMax: 1))
    }
    // Three features, a pattern off the path's plane, a tilted path.
    cases.append(
      LatentCase(
        name: "three", title: "", features: ["a", "b", "c"],
        patterns: [
          Pattern(name: "x", probability: 0.2, magnitudes: [1, 0.5, 0.3]),
          Pattern(name: "y", probability: 0.3, magnitudes: [0, 1, -0.2]),
        ],
        path: LatentPath(from: [1, 0.2, 0], to: [-0.3, 1, 0.4], tMin: -2, tMax: 2), bias: .optimal,
        penalty: Penalty(coefficient: 0.02, exponent: 2)))
    for c in cases {
      try c.validate()
      let landscape = LossLandscape(c)
      for i in 0...97 {
        let t = c.path.tMin + (c.path.tMax - c.path.tMin) * Double(i) / 97
        let truth = c.losses(at: t)
        XCTAssertEqual(
          landscape.loss(.mse, at: t), truth.mse, accuracy: 1e-13, "\(c.title) t = \(t)")
        XCTAssertEqual(landscape.loss(.l2, at: t), truth.l2, accuracy: 1e-12, "\(c.title) t = \(t)")
      }
    }
  }

  func testMinimaAreNoWorseThanADenseScan() throws {
    for (p0, p01, p1) in [(0.3, 0.1, 0.0), (0.2, 0.05, 0.075), (0.225, 0.025, 0.15)] {
      for bias in DecoderBias.examples {
        let c = try LatentCase.hierarchy(p0: p0, p01: p01, p1: p1, l1: 0.03, bias: bias, tMin: -0.5)
        let landscape = LossLandscape(c)
        // The optimal bias with a penalty is solved latent by latent: a coarser scan.
        let solved = bias == .optimal
        let scan = landscape.curve(points: solved ? 1_001 : 30_001)
        for kind in LossKind.allCases {
          let best = landscape.globalMinima(kind)[0]
          let scanned = scan.min { kind == .mse ? $0.mse < $1.mse : $0.l2 < $1.l2 }!
          let scannedLoss = kind == .mse ? scanned.mse : scanned.l2
          XCTAssertLessThanOrEqual(best.loss, scannedLoss + 1e-15, "\(c.title) \(kind)")
          // The scan's argmin lies within its resolution (and a little curvature) of t*.
          XCTAssertEqual(scanned.t, best.t, accuracy: solved ? 4e-3 : 2e-3, "\(c.title) \(kind)")
        }
      }
    }
  }

  func testClosedFormMinimumMatchesBruteForceScan() throws {
    let landscape = try hierarchy(0.3, 0.1)
    let step = 1.0 / 100_000
    let scan = landscape.curve(points: 100_001).min { $0.mse < $1.mse }!
    XCTAssertEqual(scan.t, landscape.minima(.mse)[0].t, accuracy: step)
  }

  func testSphereOptimumIsTheTopEigenvector() throws {
    // By hand: the top eigenvector of E[x x^T] = [[p0 + p01, p01], [p01, p01]] is at
    // tan(2 theta) = 2 p01 / p0.
    let c = try LatentCase.hierarchy(p0: 0.3, p01: 0.1)
    let sphere = try XCTUnwrap(c.sphereOptimum())
    let theta = 0.5 * atan2(2 * 0.1, 0.3)
    XCTAssertEqual(sphere.latent[0], cos(theta), accuracy: 1e-12)
    XCTAssertEqual(sphere.latent[1], sin(theta), accuracy: 1e-12)
    XCTAssertEqual(sphere.loss, 0.3 * tStar(0.3, 0.1), accuracy: 1e-14)
    XCTAssertFalse(sphere.clipsPattern)
    // With the centered bias on anti-correlated features, the relu clips the child-alone
    // pattern.
    let anti = try LatentCase.hierarchy(p0: 0.225, p01: 0.025, p1: 0.15, bias: .centered, tMin: -0.5)
    XCTAssertTrue(try XCTUnwrap(anti.sphereOptimum()).clipsPattern)
  }
}

extension DecoderBias {
  /// One bias of every kind (the fixed one for two features).
  static let examples: [DecoderBias] = [.none, .optimal, .centered, .fixed([0.1, -0.05])]
}
