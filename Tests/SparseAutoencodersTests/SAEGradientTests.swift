import ToyModels
import XCTest

@testable import SparseAutoencoders

/// The hand-written gradient against central finite differences.
final class SAEGradientTests: XCTestCase {
  struct LCG {
    var s: UInt64
    mutating func next() -> Double {
      s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(s >> 11) * 0x1p-53 * 2 - 1
    }
  }

  /// A random toy (n = d = 5) of a dozen patterns with random weights and magnitudes.
  func randomPatterns(_ r: inout LCG) -> [WeightedPattern] {
    (0..<12).map { j in
      let active = (0..<5).filter { _ in r.next() > 0.2 }.map {
        ActiveFeature(feature: $0, magnitude: 1 + 0.5 * r.next())
      }
      return WeightedPattern(weight: 0.05 + 0.1 * abs(r.next()) + Double(j) * 0.001, active: active)
    }
  }

  func randomSAE(
    _ r: inout LCG, tied: Bool, activation: SAE.Activation, prefixes: [Int]?
  ) throws -> SAE {
    let rows = { (r: inout LCG) in (0..<4).map { _ in (0..<5).map { _ in r.next() } } }
    let dec = rows(&r)
    let enc = rows(&r)
    return try SAE(
      decoder: dec, decoderBias: (0..<5).map { _ in 0.2 * r.next() },
      encoder: tied ? nil : enc, encoderBias: (0..<4).map { _ in 0.2 * r.next() },
      activation: activation, prefixes: prefixes)
  }

  /// Max relative error of `grad` against central differences of the expected loss.
  func check(
    _ sae: SAE, _ ps: [WeightedPattern], _ rec: ReconstructionLoss, l1: Double,
    perturb: ((inout SAEGradient) -> Void)? = nil
  ) -> Double {
    var g = SAEGradient(zeroFor: sae)
    _ = sae.expectedLoss(ps, rec, l1: l1, gradient: &g)
    perturb?(&g)
    let h = 1e-6
    var worst = 0.0
    let fields: [(WritableKeyPath<SAE, [Double]>, KeyPath<SAEGradient, [Double]>)] = [
      (\.encoder, \.encoder), (\.encoderBias, \.encoderBias), (\.decoder, \.decoder),
      (\.decoderBias, \.decoderBias),
    ]
    for (p, q) in fields {
      for j in sae[keyPath: p].indices {
        var plus = sae
        var minus = sae
        plus[keyPath: p][j] += h
        minus[keyPath: p][j] -= h
        let fd =
          (plus.expectedLoss(ps, rec, l1: l1) - minus.expectedLoss(ps, rec, l1: l1)) / (2 * h)
        let err = abs(fd - g[keyPath: q][j]) / max(1, abs(fd))
        worst = max(worst, err)
      }
    }
    return worst
  }

  func testEveryArchitectureLossTyingAndMatryoshka() throws {
    var r = LCG(s: 42)
    var worst = 0.0
    let activations: [SAE.Activation] = [.relu, .topK(2), .batchTopK(k: 2, threshold: 0.1)]
    for activation in activations {
      for rec in ReconstructionLoss.allCases {
        for tied in [false, true] {
          for prefixes in [nil, [1, 3, 4]] as [[Int]?] {
            for _ in 0..<2 {
              let sae = try randomSAE(&r, tied: tied, activation: activation, prefixes: prefixes)
              let e = check(sae, randomPatterns(&r), rec, l1: 0.3)
              XCTAssertLessThan(
                e, 1e-6, "\(activation) \(rec) tied \(tied) \(String(describing: prefixes))")
              worst = max(worst, e)
            }
          }
        }
      }
    }
    print("worst relative gradient error:", worst)
  }

  func testASlightlyWrongGradientIsCaught() throws {
    var r = LCG(s: 7)
    let sae = try randomSAE(&r, tied: false, activation: .relu, prefixes: nil)
    let ps = randomPatterns(&r)
    XCTAssertLessThan(check(sae, ps, .mse, l1: 0.3), 1e-6)
    XCTAssertGreaterThan(check(sae, ps, .mse, l1: 0.3) { $0.decoderBias[2] *= 1.001 }, 1e-5)
  }
}
