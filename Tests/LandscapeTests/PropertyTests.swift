import Foundation
import Landscape
import TestSupport
import XCTest

/// What a random case may contain.
struct CaseShape {
  var bias: [DecoderBias] = [.none, .centered]
  var penalty = true
  var nonNegative = false
}

extension SplitMix64 {
  /// A random valid case: 2 or 3 features, 1 to 4 patterns with probabilities summing to
  /// at most 1 and magnitudes in [-2, 2] (or [0, 2]), a non-parallel path, a t range
  /// that may leave [0, 1], and the bias and penalty the shape allows.
  mutating func randomCase(_ shape: CaseShape = CaseShape()) -> LatentCase {
    let k = Int.random(in: 2...3, using: &self)
    let features = (0..<k).map { "f\($0)" }
    let n = Int.random(in: 1...4, using: &self)
    let weights = (0..<n).map { _ in chance(0.1) ? 0 : uniform(0.05, 1) }
    let total = max(weights.reduce(0, +), 1e-300)
    let mass = chance(0.2) ? 1 : uniform(0.02, 1)
    let lower: Double = shape.nonNegative ? 0 : -2
    let patterns = (0..<n).map { j -> Pattern in
      let magnitudes = (0..<k).map { _ -> Double in
        if chance(0.3) { return 0 }
        // Some exact halves, so that patterns meet the path's ends and each other.
        return chance(0.3) ? (uniform(lower, 2) * 2).rounded() / 2 : uniform(lower, 2)
      }
      // Every pattern fires something, most of the time.
      var m = magnitudes
      if m.allSatisfy({ $0 == 0 }) && chance(0.8) {
        m[Int.random(in: 0..<k, using: &self)] = uniform(0.1, 2)
      }
      return Pattern(
        name: "p\(j)", probability: mass * weights[j] / total * (1 - 1e-15), magnitudes: m)
    }
    var from: [Double]
    var to: [Double]
    if chance(0.3) {
      from = (0..<k).map { $0 == 0 ? 1 : 0 }
      to = (0..<k).map { $0 == 1 ? 1 : 0 }
    } else {
      repeat {
        from = (0..<k).map { _ in uniform(-1.5, 1.5) }
        to = (0..<k).map { _ in uniform(-1.5, 1.5) }
      } while sine2(from, to) < 0.01
    }
    let tMin = chance(0.3) ? 0 : uniform(-1.5, 0.5)
    let tMax = chance(0.3) && tMin < 0.8 ? 1 : tMin + uniform(0.2, 2.5)
    let bias = shape.bias[Int.random(in: 0..<shape.bias.count, using: &self)]
    let penalty = shape.penalty && chance(0.5) ? Penalty(coefficient: uniform(0.001, 0.3)) : .none
    return LatentCase(
      name: "random", title: "random", features: features, patterns: patterns,
      path: LatentPath(from: from, to: to, tMin: tMin, tMax: tMax), bias: bias, penalty: penalty)
  }
}

/// sin^2 of the angle between u and v.
func sine2(_ u: [Double], _ v: [Double]) -> Double {
  let uu = zip(u, u).map(*).reduce(0, +)
  let vv = zip(v, v).map(*).reduce(0, +)
  let uv = zip(u, v).map(*).reduce(0, +)
  return 1 - uv * uv / (uu * vv)
}

/// The loss's natural size: E|x|^2 for MSE, E|x| for L2 (plus the penalty's E|x|), so that
/// absolute tolerances mean the same for every case.
func scale(_ c: LatentCase, _ kind: LossKind) -> Double {
  var s = 0.0
  for p in c.patterns {
    let q = p.magnitudes.map { $0 * $0 }.reduce(0, +)
    s += p.probability * (kind == .mse ? q : q.squareRoot())
    s += p.probability * c.penalty.coefficient * q.squareRoot()
  }
  return max(s, 1e-300)
}

/// How closely the piecewise forms reproduce the definition (or a mirrored or scaled case):
/// to rounding, ~1e-13 of the magnitudes' scale s where a pattern is reconstructed exactly
/// (the definition itself cancels there), and 1e-11 relative elsewhere.
func tolerance(_ kind: LossKind, _ value: Double, _ s: Double) -> Double {
  1e-11 * abs(value) + 1e-12 * s
}

func value(_ c: LatentCase, _ kind: LossKind, at t: Double) -> Double {
  let l = c.losses(at: t)
  return kind == .mse ? l.mse : l.l2
}

/// Whether the loss is flat beside t: within 1e-12 of its scale over 1e-3 of the range on
/// either side. On a flat stretch every point is a local minimum, and which of them the
/// search reports is rounding (known: it reports noise), so lists of minima are compared
/// off such stretches only.
func isFlat(_ c: LatentCase, _ kind: LossKind, at t: Double) -> Bool {
  let h = 1e-3 * (c.path.tMax - c.path.tMin)
  let f = value(c, kind, at: t)
  let s = scale(c, kind)
  for u in [t - h, t + h] where u >= c.path.tMin && u <= c.path.tMax {
    if abs(value(c, kind, at: u) - f) <= 1e-12 * s { return true }
  }
  return false
}

final class PropertyTests: XCTestCase {
  /// Checks that every minimum of `a` off a flat stretch has one in `b` at the same t
  /// with the same loss (after `map`), and the other way round.
  func expectSameMinima(
    _ kind: LossKind, _ a: [Minimum], in ca: LatentCase, _ b: [Minimum], in cb: LatentCase,
    t map: (Double) -> Double, loss scaleLoss: Double = 1, _ message: @autoclosure () -> String
  ) {
    let s = scale(ca, kind)
    // A minimum may also stand in a cluster of rounding-noise minima at one level (a
    // flat-bottomed valley): then the other side has one of that level close by.
    let width = ca.path.tMax - ca.path.tMin
    func inCluster(
      _ t: Double, _ loss: Double, _ others: [Minimum], _ map: (Double) -> Double,
      _ scaleLoss: Double
    ) -> Bool {
      others.contains {
        abs(map(t) - $0.t) <= 1e-2 * width
          && abs($0.loss - loss * scaleLoss) <= 1e-12 * s * max(1, scaleLoss)
      }
    }
    for m in a where !isFlat(ca, kind, at: m.t) {
      let match = b.first { abs(map(m.t) - $0.t) <= 1e-7 * max(1, abs(m.t)) }
      if match == nil && inCluster(m.t, m.loss, b, map, scaleLoss) { continue }
      guard let n = match else {
        return XCTFail("\(kind): \(m) has no match in \(b); \(message())")
      }
      XCTAssertEqual(
        n.loss, m.loss * scaleLoss, accuracy: tolerance(kind, n.loss, s * scaleLoss),
        "\(kind): \(m), \(n); \(message())")
    }
    for n in b where !isFlat(cb, kind, at: n.t) {
      let inverse = a.map {
        Minimum(t: map($0.t), loss: $0.loss * scaleLoss, isGlobal: $0.isGlobal, kind: $0.kind)
      }
      if inCluster(n.t, n.loss, inverse, { $0 }, 1) { continue }
      guard a.contains(where: { abs(map($0.t) - n.t) <= 1e-7 * max(1, abs(n.t)) }) else {
        return XCTFail("\(kind): \(n) has no match in \(a); \(message())")
      }
    }
  }

  /// Cases per property: 250, or `PROPERTY_CASES`; `PROPERTY_SEED` varies the seeds.
  static let count = ProcessInfo.processInfo.environment["PROPERTY_CASES"].flatMap(Int.init) ?? 250
  static let salt = ProcessInfo.processInfo.environment["PROPERTY_SEED"].flatMap(UInt64.init) ?? 0

  /// Runs `body` on `count` random cases, naming the seed and the case on failure.
  func forEachCase(
    seed: UInt64, _ shape: CaseShape = CaseShape(), count: Int = PropertyTests.count,
    _ body: (LatentCase, inout SplitMix64) throws -> Void
  ) rethrows {
    var rng = SplitMix64(seed: seed ^ Self.salt)
    for i in 0..<count {
      let c = rng.randomCase(shape)
      XCTAssertNoThrow(try c.validate(), "case \(i): \(c)")
      let before = testRun?.failureCount ?? 0
      try body(c, &rng)
      // One failing case is enough to read: the rest would repeat it.
      if (testRun?.failureCount ?? 0) > before {
        return XCTFail("seed \(seed ^ Self.salt), case \(i) failed (see above)")
      }
    }
  }

  /// (a) Every reported minimum lies in the range, reports the loss the definition gives
  /// there, and no nearby point of the exact curve (from the definition) is lower.
  func testMinimaAreLocalMinimaOfTheDefinition() throws {
    forEachCase(seed: 0xA11CE) { c, _ in
      let landscape = LossLandscape(c)
      let lo = c.path.tMin
      let hi = c.path.tMax
      let width = hi - lo
      for kind in LossKind.allCases {
        let minima = landscape.minima(kind)
        XCTAssertFalse(minima.isEmpty, "\(kind) \(c)")
        XCTAssertEqual(minima.filter(\.isGlobal).isEmpty, false, "\(kind) \(c)")
        let s = scale(c, kind)
        for m in minima {
          XCTAssert(
            m.t.isFinite && m.t >= lo && m.t <= hi,
            "\(kind) minimum \(m) outside [\(lo), \(hi)] in \(c)")
          let f = value(c, kind, at: m.t)
          XCTAssertEqual(m.loss, f, accuracy: tolerance(kind, f, s), "\(kind) loss at \(m) in \(c)")
          for h in [1e-4 * width, 1e-6 * width] {
            for t in [m.t - h, m.t + h] where t >= lo && t <= hi {
              let g = value(c, kind, at: t)
              XCTAssertGreaterThanOrEqual(
                g, f - 1e-12 * abs(f) - 1e-14 * s, "\(kind) at \(t) below the minimum \(m) of \(c)")
            }
          }
        }
      }
    }
  }

  /// (b) The global minimum is at least as low as every point of a dense curve, and the
  /// curve agrees with the definition.
  func testGlobalMinimumIsBelowTheDenseCurve() throws {
    forEachCase(seed: 0xB0B) { c, _ in
      let landscape = LossLandscape(c)
      let curve = landscape.curve(points: 1001)
      XCTAssertEqual(curve.count, 1001)
      XCTAssertEqual(curve.first?.t, c.path.tMin)
      XCTAssertEqual(curve.last?.t, c.path.tMax)
      for kind in LossKind.allCases {
        guard let best = landscape.minima(kind).filter(\.isGlobal).map(\.loss).min() else {
          return XCTFail("no global \(kind) minimum in \(c)")
        }
        let s = scale(c, kind)
        for point in curve {
          let y = kind == .mse ? point.mse : point.l2
          XCTAssertLessThanOrEqual(
            best, y + 1e-12 * abs(y) + 1e-14 * s, "\(kind) curve at t = \(point.t) in \(c)")
          XCTAssertEqual(
            y, value(c, kind, at: point.t), accuracy: tolerance(kind, y, s),
            "\(kind) at \(point.t) in \(c)")
        }
      }
    }
  }

  /// (c) Swapping the path's ends maps t to 1 - t: the curve, the minima and their losses.
  func testSwappingThePathEndsMirrorsT() throws {
    try forEachCase(seed: 0xC0FFEE) { c, _ in
      var swapped = c
      swapped.path = LatentPath(
        from: c.path.to, to: c.path.from, tMin: 1 - c.path.tMax, tMax: 1 - c.path.tMin)
      XCTAssertNoThrow(try swapped.validate())
      let a = LossLandscape(c)
      let b = LossLandscape(swapped)
      for kind in LossKind.allCases {
        let s = scale(c, kind)
        for i in 0...200 {
          let t = c.path.tMin + Double(i) / 200 * (c.path.tMax - c.path.tMin)
          let x = a.loss(kind, at: t)
          let y = b.loss(kind, at: 1 - t)
          XCTAssertEqual(x, y, accuracy: tolerance(kind, x, s), "\(kind) at t = \(t) in \(c)")
        }
        expectSameMinima(
          kind, a.minima(kind), in: c, b.minima(kind), in: swapped, t: { 1 - $0 }, "mirrored \(c)")
      }
    }
  }

  /// (d) Scaling every magnitude by c > 0 scales MSE by c^2 and L2 by c (no penalty) and
  /// leaves the minima where they are.
  func testScalingMagnitudesScalesTheLosses() throws {
    forEachCase(seed: 0xD1CE, CaseShape(penalty: false)) { c, rng in
      let factor = rng.chance(0.5) ? rng.uniform(0.1, 1) : rng.uniform(1, 10)
      var scaled = c
      for j in scaled.patterns.indices {
        scaled.patterns[j].magnitudes = c.patterns[j].magnitudes.map { factor * $0 }
      }
      let a = LossLandscape(c)
      let b = LossLandscape(scaled)
      for kind in LossKind.allCases {
        let power = kind == .mse ? factor * factor : factor
        let s = scale(c, kind)
        for i in 0...100 {
          let t = c.path.tMin + Double(i) / 100 * (c.path.tMax - c.path.tMin)
          let x = value(c, kind, at: t) * power
          XCTAssertEqual(
            b.loss(kind, at: t), x, accuracy: tolerance(kind, x, s * power),
            "\(kind) at \(t) in \(c)")
        }
        expectSameMinima(
          kind, a.minima(kind), in: c, b.minima(kind), in: scaled, t: { $0 }, loss: power,
          "scaled by \(factor): \(c)")
      }
    }
  }

  /// (e) With no bias, no penalty and non-negative magnitudes, the off-path optimum is
  /// no worse than the best on-path MSE minimum, nor than any random unit latent.
  func testSphereOptimumBeatsThePath() throws {
    forEachCase(seed: 0xE1E, CaseShape(bias: [.none], penalty: false, nonNegative: true)) {
      c, rng in
      guard let sphere = c.sphereOptimum() else { return XCTFail("no sphere optimum for \(c)") }
      let s = scale(c, .mse)
      XCTAssertEqual(sphere.latent.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-12)
      XCTAssertFalse(sphere.clipsPattern, "\(sphere) in \(c)")
      XCTAssertEqual(sphere.loss, c.losses(atLatent: sphere.latent).mse, accuracy: 1e-12 * s)
      // The best on-path minimum, its loss from the definition (the piecewise form's
      // N / D carries rounding of ~1e-16 |x|^2 |w|^2, more than 1e-12 of a small loss).
      let best = LossLandscape(c).minima(.mse).filter(\.isGlobal).map { c.losses(at: $0.t).mse }
        .min()!
      XCTAssertLessThanOrEqual(
        sphere.loss, best + 1e-12 * abs(best) + 1e-15 * s, "\(sphere) against \(best) in \(c)")
      for _ in 0..<50 {
        var v = (0..<c.features.count).map { _ in rng.uniform(-1, 1) }
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        guard norm > 1e-3 else { continue }
        v = v.map { $0 / norm }
        let loss = c.losses(atLatent: v).mse
        XCTAssertLessThanOrEqual(
          sphere.loss, loss + 1e-12 * abs(loss) + 1e-15 * s, "\(sphere) against \(v) in \(c)")
      }
    }
  }

  /// The generator itself: valid cases of every shape the properties ask for.
  func testGeneratorCoversTheShapes() {
    var rng = SplitMix64(seed: 7)
    var sawThree = false
    var sawFour = false
    var sawBias = false
    var sawPenalty = false
    var sawNegativeT = false
    for _ in 0..<500 {
      let c = rng.randomCase()
      XCTAssertNoThrow(try c.validate())
      XCTAssertLessThanOrEqual(c.patterns.map(\.probability).reduce(0, +), 1)
      XCTAssert(c.patterns.allSatisfy { $0.magnitudes.allSatisfy { abs($0) <= 2 } })
      sawThree = sawThree || c.features.count == 3
      sawFour = sawFour || c.patterns.count == 4
      sawBias = sawBias || c.bias != .none
      sawPenalty = sawPenalty || c.penalty.coefficient > 0
      sawNegativeT = sawNegativeT || c.path.tMin < 0
    }
    XCTAssert(sawThree && sawFour && sawBias && sawPenalty && sawNegativeT)
    var a = SplitMix64(seed: 42)
    var b = SplitMix64(seed: 42)
    XCTAssertEqual((0..<8).map { _ in a.next() }, (0..<8).map { _ in b.next() })
    // The reference sequence of SplitMix64 from seed 0 (Vigna's splitmix64.c).
    var z = SplitMix64(seed: 0)
    XCTAssertEqual(z.next(), 0xE220_A839_7B1D_CDAF)
  }
}
