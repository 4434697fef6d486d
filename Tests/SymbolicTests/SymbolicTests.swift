import CaseFiles
import Foundation
import Landscape
import TestSupport
import ToyModels
import XCTest

@testable import Symbolic

final class RationalTests: XCTestCase {
  func testDecimalsBecomeTheRationalsWritten() throws {
    XCTAssertEqual(try Rational(decimal: 0.1), try Rational(1, 10))
    XCTAssertEqual(try Rational(decimal: 1e-3), try Rational(1, 1000))
    XCTAssertEqual(try Rational(decimal: 1e-5), try Rational(1, 100_000))
    XCTAssertEqual(try Rational(decimal: -2.5), try Rational(-5, 2))
    XCTAssertEqual(try Rational(decimal: 0.3), try Rational(3, 10))
    XCTAssertEqual(try Rational(decimal: 1e20), Rational(100_000_000_000_000_000_000))
    XCTAssertEqual(try Rational(decimal: 1.0), Rational.one)
    XCTAssertEqual(try Rational(decimal: -0.0), Rational.zero)
    XCTAssertEqual("\(try Rational(decimal: 0.15))", "3/20")
    XCTAssertThrowsError(try Rational(decimal: .infinity))
    XCTAssertThrowsError(try Rational(decimal: 1e300)) { error in
      guard case SymbolicError.overflow = error else { return XCTFail("\(error)") }
    }
  }

  func testArithmeticIsExactAndOverflowIsAnError() throws {
    let a = try Rational(1, 3)
    let b = try Rational(1, 6)
    XCTAssertEqual(try a + b, try Rational(1, 2))
    XCTAssertEqual(try a - b, try Rational(1, 6))
    XCTAssertEqual(try a * b, try Rational(1, 18))
    XCTAssertEqual(try a / b, Rational(2))
    XCTAssertEqual(try Rational(4, -6), try Rational(-2, 3))
    XCTAssertThrowsError(try Rational(1, 0))
    XCTAssertThrowsError(try Rational(Int128.max) * Rational(2)) { error in
      guard case SymbolicError.overflow = error else { return XCTFail("\(error)") }
    }
    XCTAssertThrowsError(try Rational(Int128.max) + Rational(1))
    XCTAssertTrue(try Rational(1, 3) < Rational(1, 2))
  }

  func testSquareRootsAreSimplified() throws {
    XCTAssertEqual("\(try Radical.sqrt(try Rational(1, 2)))", "1/2*sqrt(2)")
    XCTAssertEqual("\(try Radical.sqrt(Rational(8)))", "2*sqrt(2)")
    XCTAssertEqual("\(try Radical.sqrt(try Rational(12, 5)))", "2/5*sqrt(15)")
    XCTAssertEqual("\(try Radical.sqrt(try Rational(9, 4)))", "3/2")
    XCTAssertEqual("\(try Radical.sqrt(Rational(2)) * Radical.sqrt(Rational(6)))", "2*sqrt(3)")
    let x = try Radical.sqrt(Rational(2)) - Radical(Rational(1))
    XCTAssertEqual("\(x)", "-1 + sqrt(2)")
    XCTAssertEqual(x.sign, 1)
    XCTAssertTrue(try (Radical.sqrt(Rational(8)) - Radical.sqrt(Rational(2)) * Rational(2)).isZero)
    XCTAssertEqual(
      Notation.plain.form(LinearForm("p0", try Radical.sqrt(try Rational(1, 2))), order: ["p0"]),
      "p0/sqrt(2)")
    XCTAssertEqual(
      Notation.plain.form(LinearForm("p0", try Radical.sqrt(try Rational(1, 8))), order: ["p0"]),
      "p0/(2 sqrt(2))")
    XCTAssertEqual(
      Notation.plain.form(LinearForm("p0", try Radical.sqrt(try Rational(2, 9))), order: ["p0"]),
      "sqrt(2) p0/3")
    XCTAssertEqual(
      Notation.latex.form(LinearForm("p01", try Radical.sqrt(try Rational(1, 2))), order: ["p01"]),
      "\\frac{p_{01}}{\\sqrt{2}}")
  }
}

final class SymbolicTests: XCTestCase {
  // MARK: The hierarchy, exactly

  func testHierarchyPlainText() throws {
    let s = try SymbolicLandscape(try LatentCase.hierarchy(p0: 0.3, p01: 0.1))
    let text = s.plainText()
    let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    XCTAssertTrue(lines.contains("MSE = N(t)/D(t), D(t) = 2 t^2 - 2 t + 1"), text)
    XCTAssertTrue(lines.contains("N(t) = (p0 + 4 p01) t^2 - 4 p01 t + p01"), text)
    XCTAssertTrue(lines.contains("N'D - N D' = -2 (p0 t^2 - (p0 + 2 p01) t + p01)"), text)
    XCTAssertTrue(lines.contains("stationary (degree 2): p0 t^2 - (p0 + 2 p01) t + p01 = 0"), text)
    XCTAssertTrue(lines.contains("discriminant: p0^2 + 4 p01^2"), text)
    XCTAssertTrue(
      lines.contains(
        "minimum: t* = (p0 + 2 p01 - sqrt(p0^2 + 4 p01^2))/(2 p0) = 2 p01/(p0 + 2 p01 + sqrt(p0^2 + 4 p01^2))"
      ), text)
    XCTAssertTrue(
      lines.contains(
        "t = 0 (cusp of p0; range start): L2 = p01; local minimum iff p01 < p0: true at p0 = 0.3, p01 = 0.1"), text)
    XCTAssertTrue(
      lines.contains(
        "t = 1/2 (cusp of p01): L2 = p0/sqrt(2); local minimum iff p01 > p0/2: false at p0 = 0.3, p01 = 0.1"), text)
    XCTAssertTrue(lines.contains("t = 1 (range end): L2 = p0 + p01; never a local minimum"), text)
    XCTAssertTrue(lines.contains("L2(0) < L2(1/2) iff p01 < p0/sqrt(2): true at p0 = 0.3, p01 = 0.1"), text)
    XCTAssertFalse(text.contains("note:"), text)
  }

  func testHierarchyStructure() throws {
    let s = try SymbolicLandscape(try LatentCase.hierarchy(p0: 0.3, p01: 0.1))
    XCTAssertEqual(s.symbols, ["p0", "p01"])
    XCTAssertEqual(s.denominator, [Rational(1), Rational(-2), Rational(2)])
    XCTAssertEqual(s.pieces.count, 1)
    let st = s.pieces[0].stationarity
    XCTAssertEqual(st.degree, 2)
    XCTAssertEqual(st.scale, try Rational(-1, 2))
    XCTAssertEqual(st.rootSign, -1)
    // N'D - N D' = -2 (p0 t^2 - (p0 + 2 p01) t + p01), by hand from the README's MSE(t).
    XCTAssertEqual(st.raw[2], Polynomial(linear: ["p0": Rational(-2)]))
    XCTAssertEqual(st.raw[1], Polynomial(linear: ["p0": Rational(2), "p01": Rational(4)]))
    XCTAssertEqual(st.raw[0], Polynomial(linear: ["p01": Rational(-2)]))
    XCTAssertEqual(
      st.discriminant,
      Polynomial([Monomial(["p0", "p0"]): Rational(1), Monomial(["p01", "p01"]): Rational(4)]))
    let l2 = try XCTUnwrap(s.l2)
    XCTAssertEqual(l2.candidates.map(\.t), [Rational(0), try Rational(1, 2), Rational(1)])
    XCTAssertTrue(l2.complete)
  }

  func testHierarchyJSON() throws {
    let s = try SymbolicLandscape(try LatentCase.hierarchy(p0: 0.15, p01: 0.15))
    let object = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as! [String: Any]
    let stationarity = object["stationarity"] as! [String: Any]
    let pieces = stationarity["pieces"] as! [[String: Any]]
    XCTAssertEqual(pieces.count, 1)
    XCTAssertEqual(pieces[0]["t_range"] as? [Int], [0, 1])
    XCTAssertEqual(
      pieces[0]["coefficients"] as? [[String: String]],
      [["p0": "1"], ["p0": "-1", "p01": "-2"], ["p01": "1"]])
    XCTAssertEqual(pieces[0]["discriminant"] as? [String: String], ["p0*p0": "1", "p01*p01": "4"])
    XCTAssertEqual(pieces[0]["text"] as? String, "p0 t^2 - (p0 + 2 p01) t + p01 = 0")
    XCTAssertEqual(pieces[0]["degree"] as? Int, 2)
    let numerator = (object["numerator"] as! [String: Any])["pieces"] as! [[String: Any]]
    XCTAssertEqual(
      numerator[0]["coefficients"] as? [[String: String]],
      [["p0": "1", "p01": "4"], ["p01": "-4"], ["p01": "1"]])
    let l2 = object["l2"] as! [String: Any]
    let comparisons = l2["comparisons"] as! [[String: Any]]
    XCTAssertEqual(comparisons.count, 1)
    let when = comparisons[0]["when"] as! [String: Any]
    XCTAssertEqual((when["all"] as! [[String: Any]])[0]["text"] as? String, "p01 < p0/sqrt(2)")
    XCTAssertEqual(
      (when["all"] as! [[String: Any]])[0]["positive"] as? [String: String],
      ["p0": "1/2*sqrt(2)", "p01": "-1"])
  }

  func testHierarchyLaTeX() throws {
    let text = try SymbolicLandscape(try LatentCase.hierarchy(p0: 0.3, p01: 0.1)).latex()
    XCTAssertTrue(text.contains("\\begin{align}\n"), text)
    XCTAssertTrue(text.hasSuffix("\\end{align}\n"), text)
    XCTAssertTrue(text.contains("0 &= p_{0}t^{2} - \\left(p_{0} + 2p_{01}\\right)t + p_{01}"), text)
    XCTAssertTrue(text.contains("\\Delta &= p_{0}^{2} + 4p_{01}^{2}"), text)
    XCTAssertTrue(text.contains("\\text{local minimum} \\iff p_{01} < p_{0}"), text)
    XCTAssertTrue(text.contains("\\iff p_{01} > \\frac{p_{0}}{2}"), text)
    XCTAssertTrue(text.contains("\\iff p_{01} < \\frac{p_{0}}{\\sqrt{2}}"), text)
  }

  /// The design's cross-check table: t* of the MSE from the root formula.
  func testDesignTable() throws {
    let rows: [(Double, Double, Double)] = [
      (0.3, 0.1, 0.232408), (0.1, 0.3, 0.458619),
      (0.15, 0.15, (3 - 5.0.squareRoot()) / 2), (0.2, 0.05, (3 - 5.0.squareRoot()) / 4),
    ]
    for (p0, p01, expected) in rows {
      let s = try SymbolicLandscape(try LatentCase.hierarchy(p0: p0, p01: p01))
      let t = s.pieces[0].stationarity.minimisingRoot(at: ["p0": p0, "p01": p01])
      XCTAssertEqual(t ?? .nan, expected, accuracy: 1e-6, "(\(p0), \(p01))")
    }
  }

  // MARK: Unequal magnitudes (reference values derived with sympy, by hand-checked formulas)

  func testUnequalMagnitudes() throws {
    // x_p0 = (1, 0), x_p01 = (1, 2), w = (1 - t, t): D = 2t^2 - 2t + 1,
    // N = (p0 + 9 p01) t^2 - 12 p01 t + 4 p01,
    // N'D - N D' = -2 (p0 - 3 p01) t^2 + 2 (p0 + p01) t - 4 p01,
    // cusps at t = 0 (p0) and t = 2/3 (p01); L2(0) = 2 p01, L2(2/3) = 2 sqrt(5) p0 / 5;
    // slope right of 0: p0 - p01; left of 2/3: 9 sqrt(5)/25 p0 - 9 sqrt(5)/5 p01.
    let c = try LatentCase.hierarchy(p0: 0.3, p01: 0.1, parentMagnitude: 1, childMagnitude: 2)
    let s = try SymbolicLandscape(c)
    let st = s.pieces[0].stationarity
    XCTAssertEqual(
      s.pieces[0].numerator,
      [
        Polynomial(linear: ["p01": Rational(4)]), Polynomial(linear: ["p01": Rational(-12)]),
        Polynomial(linear: ["p0": Rational(1), "p01": Rational(9)]),
      ])
    XCTAssertEqual(
      st.raw,
      [
        Polynomial(linear: ["p01": Rational(-4)]),
        Polynomial(linear: ["p0": Rational(2), "p01": Rational(2)]),
        Polynomial(linear: ["p0": Rational(-2), "p01": Rational(6)]),
      ])
    XCTAssertEqual(
      st.discriminant,
      Polynomial([
        Monomial(["p0", "p0"]): Rational(1), Monomial(["p0", "p01"]): Rational(-6),
        Monomial(["p01", "p01"]): Rational(25),
      ]))
    let text = s.plainText()
    XCTAssertTrue(
      text.contains("stationary (degree 2): (p0 - 3 p01) t^2 - (p0 + p01) t + 2 p01 = 0\n"), text)
    XCTAssertTrue(text.contains("discriminant: p0^2 - 6 p0 p01 + 25 p01^2\n"), text)
    XCTAssertTrue(
      text.contains("t = 0 (cusp of p0; range start): L2 = 2 p01; local minimum iff p01 < p0: true at p0 = 0.3, p01 = 0.1\n"),
      text)
    XCTAssertTrue(
      text.contains("t = 2/3 (cusp of p01): L2 = 2 p0/sqrt(5); local minimum iff p01 > p0/5: true at p0 = 0.3, p01 = 0.1\n"),
      text)
    XCTAssertTrue(text.contains("L2(0) < L2(2/3) iff p01 < p0/sqrt(5): true at p0 = 0.3, p01 = 0.1\n"), text)
    let merged = try XCTUnwrap(s.l2).candidates[1]
    XCTAssertEqual(merged.t, try Rational(2, 3))
    let root5 = try Radical.sqrt(Rational(5))
    XCTAssertEqual(
      merged.leftSlope,
      LinearForm([
        "p0": try root5 * (try Rational(9, 25)), "p01": try root5 * (try Rational(-9, 5)),
      ]))
  }

  // MARK: Against the numeric engine, at seeded random probabilities

  /// Cases with no bias: the hierarchy, with a child-alone pattern, unequal magnitudes,
  /// an anti-correlated range [-0.5, 1] with several relu pieces, and a pattern off the
  /// path's plane.
  func randomCases() throws -> [LatentCase] {
    let anti = LatentCase(
      name: "anti", title: "anti", features: ["parent", "child"],
      patterns: [
        Pattern(name: "p0", probability: 0.1, magnitudes: [1, 0]),
        Pattern(name: "p1", probability: 0.1, magnitudes: [0, 1]),
        Pattern(name: "pm", probability: 0.1, magnitudes: [1, -1]),
        Pattern(name: "p01", probability: 0.1, magnitudes: [0.5, 1.5]),
      ],
      path: LatentPath(from: [1, 0], to: [0, 1], tMin: -0.5, tMax: 1))
    let offPlane = LatentCase(
      name: "three", title: "three", features: ["a", "b", "c"],
      patterns: [
        Pattern(name: "pa", probability: 0.1, magnitudes: [1, 0, 0]),
        Pattern(name: "pab", probability: 0.1, magnitudes: [1, 1, 0]),
        Pattern(name: "pac", probability: 0.1, magnitudes: [1, 0, 0.7]),
      ],
      path: LatentPath(from: [1, 0, 0], to: [0.2, 1, 0], tMin: -0.25, tMax: 1.5))
    try anti.validate()
    try offPlane.validate()
    return [
      try LatentCase.hierarchy(p0: 0.3, p01: 0.1),
      try LatentCase.hierarchy(p0: 0.3, p01: 0.1, p1: 0.1),
      try LatentCase.hierarchy(p0: 0.3, p01: 0.1, parentMagnitude: 1, childMagnitude: 2),
      try LatentCase.hierarchy(
        p0: 0.3, p01: 0.1, p1: 0.05, parentMagnitude: 1.5, childMagnitude: 0.7, tMin: -0.5,
        tMax: 1.5),
      anti, offPlane,
    ]
  }

  func randomProbabilities(_ c: LatentCase, _ rng: inout SplitMix64) -> [Double] {
    let cap = 0.95 / Double(c.patterns.count)
    return c.patterns.map { _ in Double.random(in: 0.01...cap, using: &rng) }
  }

  func testMSEMatchesTheNumericEngine() throws {
    var rng = SplitMix64(seed: 6)
    let none = try randomCases()
    let optimal = none.map { c -> LatentCase in
      var c = c
      c.bias = .optimal
      return c
    }
    for base in none + optimal {
      let s = try SymbolicLandscape(base)
      XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(s.json().utf8)), base.name)
      for _ in 0..<60 {
        let c = base.with(probabilities: randomProbabilities(base, &rng))
        let p = Dictionary(uniqueKeysWithValues: c.patterns.map { ($0.name, $0.probability) })
        let numeric = LossLandscape(c)
        // N/D equals the numeric MSE everywhere.
        for _ in 0..<5 {
          let t = Double.random(in: c.path.tMin...c.path.tMax, using: &rng)
          XCTAssertEqual(
            s.mse(at: t, probabilities: p), numeric.loss(.mse, at: t), accuracy: 1e-12,
            "\(c.name) \(p) t=\(t)")
        }
        // The global minimum from the closed forms: ends, breakpoints, minimising roots.
        var ts = [c.path.tMin, c.path.tMax] + s.breakpoints.map(\.doubleValue)
        for piece in s.pieces {
          if let r = piece.stationarity.minimisingRoot(at: p), r > piece.lo.doubleValue,
            r < piece.hi.doubleValue
          {
            ts.append(r)
          }
        }
        let ranked = ts.map { ($0, s.mse(at: $0, probabilities: p)) }.sorted { $0.1 < $1.1 }
        let distinct = ranked.filter { abs($0.0 - ranked[0].0) > 1e-6 }
        if let second = distinct.first, second.1 - ranked[0].1 < 1e-9 { continue }  // a near tie
        let best = try XCTUnwrap(numeric.globalMinima(.mse).first)
        XCTAssertEqual(ranked[0].0, best.t, accuracy: 1e-7, "\(c.name) \(p)")
        XCTAssertEqual(ranked[0].1, best.loss, accuracy: 1e-12, "\(c.name) \(p)")
      }
    }
  }

  /// The L2 candidates against the numeric engine's loss: values exactly, one-sided slopes
  /// by one-sided differences, local minima by comparing neighbours, comparisons by
  /// value; and, where the cusps are exact in binary (t = 0, 1/2), against its minima.
  func testL2RegimesMatchTheNumericEngine() throws {
    var rng = SplitMix64(seed: 2)
    var checkedMinima = 0
    for base in try randomCases() {
      let s = try SymbolicLandscape(base)
      let l2 = try XCTUnwrap(s.l2)
      let binaryCusps = l2.candidates.allSatisfy { $0.t.denominator == 1 || $0.t.denominator == 2 }
      for _ in 0..<60 {
        let c = base.with(probabilities: randomProbabilities(base, &rng))
        let p = Dictionary(uniqueKeysWithValues: c.patterns.map { ($0.name, $0.probability) })
        let numeric = LossLandscape(c)
        let minima = numeric.minima(.l2)
        let h = 1e-7
        var nearTie = false
        for cand in l2.candidates {
          let t = cand.t.doubleValue
          let f = numeric.loss(.l2, at: t)
          XCTAssertEqual(cand.value.value(at: p), f, accuracy: 1e-12, "\(c.name) t=\(t)")
          if let left = cand.leftSlope {
            let v = left.value(at: p)
            XCTAssertEqual(
              v, (f - numeric.loss(.l2, at: t - h)) / h, accuracy: 1e-5, "\(c.name) left of \(t)")
            if abs(v) < 1e-4 { nearTie = true }
          }
          if let right = cand.rightSlope {
            let v = right.value(at: p)
            XCTAssertEqual(
              v, (numeric.loss(.l2, at: t + h) - f) / h, accuracy: 1e-5, "\(c.name) right of \(t)")
            if abs(v) < 1e-4 { nearTie = true }
          }
        }
        if nearTie { continue }
        for cand in l2.candidates {
          let t = cand.t.doubleValue
          let f = numeric.loss(.l2, at: t)
          let lowerLeft = !cand.isStart && numeric.loss(.l2, at: t - 1e-6) < f
          let lowerRight = !cand.isEnd && numeric.loss(.l2, at: t + 1e-6) < f
          XCTAssertEqual(
            cand.localMinimum.holds(at: p), !lowerLeft && !lowerRight, "\(c.name) \(p) t=\(t)")
          if binaryCusps {
            let isMinimum = minima.contains { abs($0.t - t) < 1e-12 }
            XCTAssertEqual(cand.localMinimum.holds(at: p), isMinimum, "\(c.name) \(p) t=\(t)")
          }
          checkedMinima += 1
        }
        for cmp in l2.comparisons {
          let a = numeric.loss(.l2, at: cmp.lower.doubleValue)
          let b = numeric.loss(.l2, at: cmp.other.doubleValue)
          if abs(a - b) < 1e-9 { continue }
          XCTAssertEqual(cmp.condition.holds(at: p), a < b, "\(c.name) \(p)")
        }
        // Where every minimum is a candidate, the lowest local-minimum candidate is global.
        if l2.complete && binaryCusps {
          let local = l2.candidates.filter { $0.localMinimum.holds(at: p) }
          let best = local.min { $0.value.value(at: p) < $1.value.value(at: p) }
          let global = minima.filter(\.isGlobal)
          if global.count == 1, let best {
            XCTAssertEqual(best.t.doubleValue, global[0].t, accuracy: 1e-12, "\(c.name) \(p)")
          }
        }
      }
    }
    XCTAssertGreaterThan(checkedMinima, 500)
  }

  /// The hierarchy's three conditions, against the numeric minima on a grid of (p0, p01).
  func testHierarchyConditionsOnAGrid() throws {
    for i in 1...19 {
      for j in 1...19 {
        let p0 = Double(i) * 0.025
        let p01 = Double(j) * 0.025
        if p0 + p01 > 1 || abs(p01 - p0) < 1e-9 || abs(2 * p01 - p0) < 1e-9 { continue }
        if abs(p01 * 2.0.squareRoot() - p0) < 1e-9 { continue }
        let minima = LossLandscape(try LatentCase.hierarchy(p0: p0, p01: p01)).minima(.l2)
        let parent = minima.first { abs($0.t) < 1e-12 }
        let merged = minima.first { abs($0.t - 0.5) < 1e-12 }
        XCTAssertEqual(parent != nil, p01 < p0, "\(p0), \(p01)")
        XCTAssertEqual(merged != nil, p01 > p0 / 2, "\(p0), \(p01)")
        XCTAssertEqual(parent?.isGlobal == true, p01 < p0 / 2.0.squareRoot(), "\(p0), \(p01)")
      }
    }
  }

  func testOffPlanePatternMarksL2Incomplete() throws {
    let s = try SymbolicLandscape(try randomCases().last!)
    XCTAssertEqual(s.l2?.complete, false)
    XCTAssertTrue(s.plainText().contains("note: a firing pattern lies outside the path's plane"))
  }

  func testSeveralReluPieces() throws {
    let anti = try randomCases()[4]
    let s = try SymbolicLandscape(anti)
    // Breakpoints: p1 (0, 1) at t = 0, pm (1, -1) at t = 1/2.
    XCTAssertEqual(s.breakpoints, [Rational(0), try Rational(1, 2)])
    XCTAssertEqual(
      s.pieces.map(\.active),
      [["p0", "pm", "p01"], ["p0", "p1", "pm", "p01"], ["p0", "p1", "p01"]])
    for piece in s.pieces { XCTAssertLessThanOrEqual(piece.stationarity.degree ?? 0, 2) }
    // pm = (1, -1) is never parallel to w(t) = (1 - t, t): its Q is constant, still in the plane.
    XCTAssertEqual(s.l2?.complete, true)
    XCTAssertEqual(
      s.l2?.candidates.map(\.t),
      [try Rational(-1, 2), Rational(0), try Rational(3, 4), Rational(1)])
    let object = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as! [String: Any]
    let pieces = (object["stationarity"] as! [String: Any])["pieces"] as! [[String: Any]]
    XCTAssertEqual(pieces.map { $0["t_range"] as! [Double] }, [[-0.5, 0], [0, 0.5], [0.5, 1]])
    for piece in pieces { XCTAssertNotNil(piece["coefficients"] as? [[String: String]]) }
  }

  func testUnsupportedCasesNameTheField() throws {
    XCTAssertThrowsError(try SymbolicLandscape(try LatentCase.hierarchy(p0: 0.3, p01: 0.1, l1: 0.1))) {
      error in
      XCTAssertEqual((error as? FieldError)?.field, "penalty.coefficient")
    }
    let json = SymbolicLandscape.unsupportedJSON(
      name: "x",
      error: FieldError(field: "penalty.coefficient", value: "0.1", reason: "is not supported"))
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    XCTAssertEqual(object["supported"] as? Bool, false)
    XCTAssertEqual((object["unsupported"] as? [String: String])?["field"], "penalty.coefficient")
  }

  // MARK: The optimal decoder bias (MSE only)

  func testOptimalBiasHierarchy() throws {
    // Derived with sympy from E|x - relu(l.(x - b)) l - b|^2, b = mu - (l.mu) l, summed
    // over p0, p01 and "nothing fires" (1 - p0 - p01), times D:
    // N = (p0 + 4 p01 - p0^2 - 4 p0 p01 - 4 p01^2) t^2 + (-4 p01 + 2 p0 p01 + 4 p01^2) t + p01 - p01^2,
    // N'D - N D' = 2 p0 (p0 + 2 p01 - 1) t^2 - 2 (p0^2 + 4 p0 p01 - p0 + 2 p01^2 - 2 p01) t + 2 p01 (p0 + p01 - 1).
    let s = try SymbolicLandscape(try LatentCase.hierarchy(p0: 0.3, p01: 0.1, bias: .optimal))
    func m(_ names: String...) -> Monomial { Monomial(names) }
    XCTAssertEqual(
      s.pieces[0].numerator,
      [
        Polynomial([m("p01"): Rational(1), m("p01", "p01"): Rational(-1)]),
        Polynomial([
          m("p01"): Rational(-4), m("p0", "p01"): Rational(2), m("p01", "p01"): Rational(4),
        ]),
        Polynomial([
          m("p0"): Rational(1), m("p01"): Rational(4), m("p0", "p0"): Rational(-1),
          m("p0", "p01"): Rational(-4), m("p01", "p01"): Rational(-4),
        ]),
      ])
    let st = s.pieces[0].stationarity
    XCTAssertEqual(
      st.raw,
      [
        Polynomial([
          m("p01"): Rational(-2), m("p0", "p01"): Rational(2), m("p01", "p01"): Rational(2),
        ]),
        Polynomial([
          m("p0"): Rational(2), m("p01"): Rational(4), m("p0", "p0"): Rational(-2),
          m("p0", "p01"): Rational(-8), m("p01", "p01"): Rational(-4),
        ]),
        Polynomial([m("p0"): Rational(-2), m("p0", "p0"): Rational(2), m("p0", "p01"): Rational(4)]
        ),
      ])
    XCTAssertEqual(st.scale, try Rational(-1, 2))
    XCTAssertNil(s.l2)
    let text = s.plainText()
    XCTAssertTrue(
      text.contains(
        "stationary (degree 2): (p0 - p0^2 - 2 p0 p01) t^2 - (p0 + 2 p01 - p0^2 - 4 p0 p01 - 2 p01^2) t + (p01 - p0 p01 - p01^2) = 0\n"
      ), text)
    XCTAssertTrue(text.contains("L2: not derived with the optimal bias"), text)
    let object = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as! [String: Any]
    XCTAssertEqual(object["bias"] as? String, "optimal")
    let pieces = (object["stationarity"] as! [String: Any])["pieces"] as! [[String: Any]]
    XCTAssertEqual(
      pieces[0]["coefficients"] as? [[String: String]],
      [
        ["p0": "1", "p0*p0": "-1", "p0*p01": "-2"],
        ["p0": "-1", "p01": "-2", "p0*p0": "1", "p0*p01": "4", "p01*p01": "2"],
        ["p01": "1", "p0*p01": "-1", "p01*p01": "-1"],
      ])
    XCTAssertEqual((object["l2"] as? [String: Any])?["supported"] as? Bool, false)
  }

  // MARK: The package's case files

  /// Every case in cases/ (when there are any) derives, or names the unsupported field,
  /// and its JSON has the documented shape.
  func testEveryCaseFileHasTheJSONShape() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let folder = root.appendingPathComponent("cases")
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
      $0.hasSuffix(".json")
    }.sorted()
    if files.isEmpty { throw XCTSkip("no case files in \(folder.path)") }
    for file in files {
      guard
        case .latent(let c, _) = try CaseDocument.load(
          contentsOf: folder.appendingPathComponent(file).path)
      else { continue }  // an SAE case has no path
      let json: String
      do {
        json = try SymbolicLandscape(c).json()
      } catch let error as FieldError {
        XCTAssertEqual(error.field, "penalty.coefficient", file)
        continue
      }
      let object = try XCTUnwrap(
        try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], file)
      let pieces = try XCTUnwrap(
        (object["stationarity"] as? [String: Any])?["pieces"] as? [[String: Any]], file)
      XCTAssertFalse(pieces.isEmpty, file)
      for piece in pieces {
        XCTAssertEqual((piece["t_range"] as? [Double])?.count, 2, file)
        XCTAssertEqual((piece["coefficients"] as? [[String: String]])?.count, 3, file)
      }
    }
  }
}
