import ToyModels
import XCTest

@testable import SparseAutoencoders

/// The hand-written gradient against central finite differences.
final class SAEGradientTests: XCTestCase {
  /// Max relative error of `grad` against central differences of the expected loss.
  func check(
    _ sae: SAE, _ ps: [WeightedPattern], _ rec: ReconstructionLoss, l1: Double,
    basis: [[Double]]? = nil, perturb: ((inout SAEGradient) -> Void)? = nil
  ) -> Double {
    var g = SAEGradient(zeroFor: sae)
    _ = sae.expectedLoss(ps, rec, l1: l1, basis: basis, gradient: &g)
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
          (plus.expectedLoss(ps, rec, l1: l1, basis: basis)
            - minus.expectedLoss(ps, rec, l1: l1, basis: basis)) / (2 * h)
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

  /// Balance Matryoshka SAEs (prefix weights beta^(L - l)), also with embedded features.
  func testBalanceMatryoshka() throws {
    var r = LCG(s: 23)
    let basis = FeatureEmbedding(features: 5, dimension: 7, seed: 3).basis
    let activations: [SAE.Activation] = [.relu, .topK(2), .batchTopK(k: 2, threshold: 0.1)]
    for activation in activations {
      for rec in ReconstructionLoss.allCases {
        for (beta, embedded) in [(0.0, false), (0.3, false), (2.5, true)] {
          let sae = try randomSAE(
            &r, tied: false, activation: activation, prefixes: [1, 3, 4],
            dimensions: embedded ? 7 : 5, balance: beta)
          let e = check(sae, randomPatterns(&r), rec, l1: 0.3, basis: embedded ? basis : nil)
          XCTAssertLessThan(e, 1e-6, "\(activation) \(rec) beta \(beta)")
        }
      }
    }
  }

  /// L1 counted per prefix (standard and balanced), relu: the L1 term's gradient in every
  /// parameter, against central differences.
  func testL1PerPrefix() throws {
    var r = LCG(s: 13)
    for rec in ReconstructionLoss.allCases {
      for beta in [nil, 0.3] as [Double?] {
        let sae = try randomSAE(
          &r, tied: false, activation: .relu, prefixes: [1, 3, 4], balance: beta,
          l1PerPrefix: true)
        XCTAssertLessThan(check(sae, randomPatterns(&r), rec, l1: 0.3), 1e-6, "\(rec) \(String(describing: beta))")
      }
    }
  }

  /// Features embedded in d = 7 > n = 5 dimensions.
  func testEmbeddedFeatures() throws {
    var r = LCG(s: 11)
    let basis = FeatureEmbedding(features: 5, dimension: 7, seed: 2).basis
    let activations: [SAE.Activation] = [.relu, .topK(2), .batchTopK(k: 2, threshold: 0.1)]
    for activation in activations {
      for rec in ReconstructionLoss.allCases {
        for tied in [false, true] {
          let sae = try randomSAE(
            &r, tied: tied, activation: activation, prefixes: [2, 4], dimensions: 7)
          let e = check(sae, randomPatterns(&r), rec, l1: 0.3, basis: basis)
          XCTAssertLessThan(e, 1e-6, "\(activation) \(rec) tied \(tied)")
        }
      }
    }
  }

  func testASlightlyWrongGradientIsCaught() throws {
    var r = LCG(s: 7)
    let sae = try randomSAE(&r, tied: false, activation: .relu, prefixes: nil)
    let ps = randomPatterns(&r)
    XCTAssertLessThan(check(sae, ps, .mse, l1: 0.3), 1e-6)
    XCTAssertGreaterThan(
      check(sae, ps, .mse, l1: 0.3, perturb: { $0.decoderBias[2] *= 1.001 }), 1e-5)
  }
}
