import ToyModels
import XCTest

@testable import SparseAutoencoders

/// The kernel against the loss's definition written out from the SAE's forward pass, and
/// BatchTopK's batch selection against a hand-worked batch.
final class SAEKernelTests: XCTestCase {
  /// loss(x) = sum_m rec(x - xhat_m) + lambda sum_i h_i |decoder[i]| (lambda: relu only), from
  /// `activations` and `reconstruction(_:prefix:)`.
  func definition(_ sae: SAE, _ x: [Double], _ rec: ReconstructionLoss, l1: Double) -> Double {
    let h = sae.activations(x)
    var total = 0.0
    for m in sae.prefixes {
      let xhat = sae.reconstruction(h, prefix: m)
      let r2 = zip(x, xhat).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      total += rec == .mse ? r2 : r2.squareRoot()
    }
    if case .relu = sae.activation {
      for i in 0..<sae.latents { total += l1 * h[i] * sae.decoderNorm(i) }
    }
    return total
  }

  func embedded(_ p: WeightedPattern, _ basis: [[Double]]) -> [Double] {
    var x = [Double](repeating: 0, count: basis[0].count)
    for a in p.active { for c in x.indices { x[c] += a.magnitude * basis[a.feature][c] } }
    return x
  }

  /// Every architecture, in feature coordinates and embedded in d = 8 > n = 5.
  func testExpectedLossIsTheDefinition() throws {
    var r = LCG(s: 99)
    let activations: [SAE.Activation] = [.relu, .topK(2), .batchTopK(k: 2, threshold: 0.1)]
    let basis = FeatureEmbedding(features: 5, dimension: 8, seed: 3).basis
    for activation in activations {
      for rec in ReconstructionLoss.allCases {
        for tied in [false, true] {
          for prefixes in [nil, [1, 3, 4]] as [[Int]?] {
            let sae = try randomSAE(&r, tied: tied, activation: activation, prefixes: prefixes)
            let ps = randomPatterns(&r)
            let expected = ps.reduce(0.0) {
              $0 + $1.weight * definition(sae, $1.magnitudes(features: 5), rec, l1: 0.3)
            }
            XCTAssertEqual(sae.expectedLoss(ps, rec, l1: 0.3), expected, accuracy: 1e-13)
            let wide = try randomSAE(
              &r, tied: tied, activation: activation, prefixes: prefixes, dimensions: 8)
            let wideExpected = ps.reduce(0.0) {
              $0 + $1.weight * definition(wide, embedded($1, basis), rec, l1: 0.3)
            }
            XCTAssertEqual(
              wide.expectedLoss(ps, rec, l1: 0.3, basis: basis), wideExpected, accuracy: 1e-13)
          }
        }
      }
    }
  }

  /// Untied, a = x (identity encoder, no biases), decoder rows (0.8, 0.6) and (0, 1), k = 1
  /// per sample, B = 4 as counts: p0 = (1, 0.7) twice, p1 = (0, 0.8), p2 = (0.5, 0).
  ///
  /// The positive activations in order: 1.0 (p0, twice), 0.8 (p1), 0.7 (p0, twice), 0.5 (p2).
  /// The budget k B = 4 is reached by one of p0's two copies of 0.7, so p0 enters once with
  /// both latents: xhat = (0.8, 0.6) + 0.7 (0, 1), r = (-0.2, 0.6), loss 0.40; and once with
  /// latent 0 only: r = (-0.2, -0.1), 0.05. p1: xhat = 0.8 (0, 1) = x, 0. p2 gets nothing:
  /// 0.5^2 = 0.25. Loss (0.40 + 0.05 + 0 + 0.25) / 4 = 0.175; the smallest kept activation is
  /// 0.7.
  func testBatchTopKSelectionByHand() throws {
    let eye: [[Double]] = [[1, 0], [0, 1]]
    let sae = try SAE(
      decoder: [[0.8, 0.6], [0, 1]], decoderBias: [0, 0], encoder: eye, encoderBias: [0, 0],
      activation: .batchTopK(k: 1, threshold: 0))
    func pattern(_ w: Double, _ x: [Double]) -> WeightedPattern {
      WeightedPattern(
        weight: w,
        active: x.indices.filter { x[$0] != 0 }.map { ActiveFeature(feature: $0, magnitude: x[$0]) }
      )
    }
    let p0 = pattern(0.5, [1, 0.7])
    let p1 = pattern(0.25, [0, 0.8])
    let p2 = pattern(0.25, [0.5, 0])
    let batch = PatternBatch()
    for p in [p2, p0, p1] { batch.append(weight: p.weight, active: p.active) }
    let kernel = SAEKernel(sae)
    kernel.batchSelection = true
    XCTAssertEqual(kernel.loss(batch), 0.175, accuracy: 1e-15)
    XCTAssertEqual(kernel.smallestKept, 0.7)
    // The gradient: the same four entries with their masks set by thresholds.
    var expected = SAEGradient(zeroFor: sae)
    var total = 0.0
    for (p, w, threshold) in [
      (p0, 0.25, 0.65), (p0, 0.25, 0.75), (p1, 0.25, 0.75), (p2, 0.25, 0.55),
    ] {
      var masked = sae
      masked.activation = .batchTopK(k: 1, threshold: threshold)
      var g = SAEGradient(zeroFor: sae)
      total += masked.expectedLoss(
        [WeightedPattern(weight: w, active: p.active)], .mse, gradient: &g)
      for j in g.decoder.indices { expected.decoder[j] += g.decoder[j] }
      for j in g.encoder.indices { expected.encoder[j] += g.encoder[j] }
      for j in g.encoderBias.indices { expected.encoderBias[j] += g.encoderBias[j] }
      for j in g.decoderBias.indices { expected.decoderBias[j] += g.decoderBias[j] }
    }
    XCTAssertEqual(total, 0.175, accuracy: 1e-15)
    let got = kernel.gradientValue
    for (a, b) in zip(
      got.decoder + got.encoder + got.encoderBias + got.decoderBias,
      expected.decoder + expected.encoder + expected.encoderBias + expected.decoderBias)
    {
      XCTAssertEqual(a, b, accuracy: 1e-15)
    }
    XCTAssertNotEqual(got.encoder, [0, 0, 0, 0])

    // k = 2: the budget 8 takes every positive activation; the smallest is 0.5. xhat = x
    // everywhere but p0 (r = (-0.2, 0.6), 0.40) and p2 (r = (-0.1, 0.3), 0.10):
    // 0.5 * 0.40 + 0.25 * 0.10 = 0.225.
    var all = sae
    all.activation = .batchTopK(k: 2, threshold: 0)
    let wide = SAEKernel(all)
    wide.batchSelection = true
    XCTAssertEqual(wide.loss(batch), 0.225, accuracy: 1e-15)
    XCTAssertEqual(wide.smallestKept, 0.5)
  }

  /// Exact data: the same cut with the probabilities as weights; one step moves the threshold
  /// from 0 to 0.01 * 0.7.
  func testBatchTopKThresholdFollowsTheSmallestKept() throws {
    let toy = ToyModel(
      features: ["a", "b"],
      firing: .enumerable([
        WeightedPattern(
          weight: 0.5,
          active: [
            ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 0.7),
          ]),
        WeightedPattern(weight: 0.25, active: [ActiveFeature(feature: 1, magnitude: 0.8)]),
        WeightedPattern(weight: 0.25, active: [ActiveFeature(feature: 0, magnitude: 0.5)]),
      ]))
    let eye: [[Double]] = [[1, 0], [0, 1]]
    let sae = try SAE(
      decoder: eye, decoderBias: [0, 0], encoder: eye, encoderBias: [0, 0],
      activation: .batchTopK(k: 1, threshold: 0))
    var plan = SAETrainingPlan()
    plan.steps = 1
    let run = try sae.trainingRun(on: toy, plan)
    guard case .batchTopK(1, let first) = run.sae.activation else { return XCTFail() }
    XCTAssertEqual(first, 0.007, accuracy: 1e-17)
    plan.steps = 2
    let two = try sae.trainingRun(on: toy, plan)
    guard case .batchTopK(_, let threshold) = two.sae.activation else { return XCTFail() }
    XCTAssertGreaterThan(threshold, first)
  }
}
