import Foundation
import CaseFiles
import Landscape
import TestSupport
import XCTest

@testable import Training

extension SplitMix64 {
  /// A uniform value in [-1, 1), for test points.
  fileprivate mutating func signed() -> Double { uniform(-1, 1) }
  /// n uniform values in [-1, 1).
  fileprivate mutating func vector(_ n: Int) -> [Double] { (0..<n).map { _ in signed() } }
}

/// The seeds' single-latent toy: P(parent alone) = p0, P(parent and child) = p01.
private func toy(p0: Double = 0.2, p01: Double = 0.05) throws -> Case {
  try Case.hierarchy(p0: p0, p01: p01)
}

final class GradientTests: XCTestCase {
  /// Central differences (f(x + h) - f(x - h)) / 2h against the hand-written gradient,
  /// for every loss, bias setting and penalty, at random points away from relu kinks.
  func testGradientMatchesCentralDifferences() {
    let d = 4
    var random = SplitMix64(seed: 7)
    var checked = 0
    for kind in LossKind.allCases {
      for biases in TrainingPlan.Biases.allCases {
        for l1 in [0.0, 0.3] {
          for _ in 0..<5 {
            var samples = (0..<5).map { _ in random.vector(d) }
            samples.append([Double](repeating: 0, count: d))  // "nothing fires"
            let weights = samples.map { _ in 0.1 + abs(random.signed()) }
            let sae = TiedSAE(
              weights: random.vector(d),
              decoderBias: biases == .none ? nil : random.vector(d).map { 0.2 * $0 },
              encoderBias: biases == .both ? 0.1 + 0.2 * abs(random.signed()) : nil)
            // Stay away from the kinks, where differences straddle two branches.
            let l = sae.latent
            let b = sae.decoderBias ?? [Double](repeating: 0, count: d)
            let preActivations = samples.map { x in
              zip(l, zip(x, b)).reduce(sae.encoderBias ?? 0) { $0 + $1.0 * ($1.1.0 - $1.1.1) }
            }
            // (The zero sample of an SAE without biases sits at a = 0 for
            // every w: its loss is identically zero there, no kink.)
            let pinned = biases == .none
            if zip(samples, preActivations).contains(where: { x, a in
              abs(a) < 1e-3 && !(pinned && x.allSatisfy { $0 == 0 })
            }) {
              continue
            }
            checkGradient(sae, kind: kind, l1: l1, samples: samples, weights: weights)
            checked += 1
          }
        }
      }
    }
    XCTAssertGreaterThanOrEqual(checked, 50)
  }

  private func checkGradient(
    _ sae: TiedSAE, kind: LossKind, l1: Double, samples: [[Double]], weights: [Double]
  ) {
    let g = sae.gradient(kind, l1: l1, samples: samples, weights: weights)
    let h = 1e-6
    func loss(_ s: TiedSAE) -> Double { s.loss(kind, l1: l1, samples: samples, weights: weights) }
    func compare(_ analytic: Double, _ plus: TiedSAE, _ minus: TiedSAE, _ what: String) {
      let numeric = (loss(plus) - loss(minus)) / (2 * h)
      XCTAssertEqual(
        analytic, numeric, accuracy: 1e-6 * max(1, abs(numeric)),
        "\(kind) l1 \(l1) \(what): analytic \(analytic), central difference \(numeric)")
    }
    for i in 0..<sae.dimension {
      var plus = sae
      var minus = sae
      plus.weights[i] += h
      minus.weights[i] -= h
      compare(g.weights[i], plus, minus, "dw[\(i)]")
      if sae.decoderBias != nil {
        var plus = sae
        var minus = sae
        plus.decoderBias![i] += h
        minus.decoderBias![i] -= h
        compare(g.decoderBias![i], plus, minus, "db_dec[\(i)]")
      }
    }
    if let b = sae.encoderBias {
      var plus = sae
      var minus = sae
      plus.encoderBias = b + h
      minus.encoderBias = b - h
      compare(g.encoderBias!, plus, minus, "db_enc")
    }
    // The loss sees only w / |w|: its gradient is orthogonal to w.
    let radial = zip(g.weights, sae.weights).reduce(0) { $0 + $1.0 * $1.1 }
    XCTAssertEqual(radial, 0, accuracy: 1e-12 * max(1, g.weights.map(abs).max()!))
  }

  /// A finite-difference check that does fail on a wrong gradient (guards the test).
  func testCentralDifferencesCatchAWrongGradient() {
    let sae = TiedSAE(weights: [1, 0.3, -0.2])
    let samples = [[1.0, 0.2, 0.1], [0.5, 1.0, -0.3]]
    let weights = [0.4, 0.6]
    var g = sae.gradient(.mse, samples: samples, weights: weights)
    g.weights[0] *= 1.01
    let h = 1e-6
    var plus = sae
    var minus = sae
    plus.weights[0] += h
    minus.weights[0] -= h
    let numeric =
      (plus.loss(.mse, samples: samples, weights: weights)
        - minus.loss(.mse, samples: samples, weights: weights)) / (2 * h)
    XCTAssertGreaterThan(abs(g.weights[0] - numeric), 1e-6 * max(1, abs(numeric)))
  }

  /// The batch mean over explicit samples equals the count-weighted sum over patterns.
  func testPatternCountGradientEqualsPerSampleGradient() {
    let d = 3
    var random = SplitMix64(seed: 11)
    let patterns = (0..<3).map { _ in random.vector(d) } + [[0.0, 0.0, 0.0]]
    let counts = [37, 5, 0, 58]
    let batch = counts.reduce(0, +)
    var samples: [[Double]] = []
    for (x, n) in zip(patterns, counts) { samples += Array(repeating: x, count: n) }
    var order = SplitMix64(seed: 3)
    samples.sort { _, _ in order.signed() < 0 }  // the batch in some shuffled order
    for kind in LossKind.allCases {
      for biases in TrainingPlan.Biases.allCases {
        let sae = TiedSAE(
          weights: [0.8, 0.5, -0.1], decoderBias: biases == .none ? nil : [0.05, -0.1, 0.2],
          encoderBias: biases == .both ? 0.05 : nil)
        let perSample = sae.gradient(
          kind, l1: 0.1, samples: samples,
          weights: Array(repeating: 1 / Double(batch), count: batch))
        let perPattern = sae.gradient(
          kind, l1: 0.1, samples: patterns, weights: counts.map { Double($0) / Double(batch) })
        let a = perSample.weights + (perSample.decoderBias ?? []) + [perSample.encoderBias ?? 0]
        let b = perPattern.weights + (perPattern.decoderBias ?? []) + [perPattern.encoderBias ?? 0]
        for (x, y) in zip(a, b) {
          XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(x)), "\(kind) \(biases)")
        }
        let lossA = sae.loss(
          kind, l1: 0.1, samples: samples,
          weights: Array(repeating: 1 / Double(batch), count: batch))
        let lossB = sae.loss(
          kind, l1: 0.1, samples: patterns, weights: counts.map { Double($0) / Double(batch) })
        XCTAssertEqual(lossA, lossB, accuracy: 1e-12)
      }
    }
  }

  /// The expected loss of an SAE over a case's patterns is `Case.losses(atLatent:)`.
  func testKernelLossAgreesWithTheExactLandscape() throws {
    let c = try toy()
    for t in [0.0, 0.1, 0.3, 0.5, 0.9] {
      let l = c.path.latent(at: t)
      let sae = TiedSAE(weights: l.map { 2 * $0 })
      let samples = c.patterns.map(\.magnitudes) + [[0, 0]]
      let weights = c.patterns.map(\.probability) + [c.nothingProbability]
      let exact = c.losses(atLatent: l)
      XCTAssertEqual(sae.loss(.mse, samples: samples, weights: weights), exact.mse, accuracy: 1e-14)
      XCTAssertEqual(sae.loss(.l2, samples: samples, weights: weights), exact.l2, accuracy: 1e-14)
    }
  }
}

final class SamplingTests: XCTestCase {
  /// The multinomial counts have the case's probabilities as their mean.
  func testMultinomialCountsHaveTheCaseProbabilities() throws {
    let c = try toy()
    // Draw through the same GSL call the trainer makes.
    let random = RandomSource(seed: 5)
    var p = c.patterns.map(\.probability) + [c.nothingProbability]
    var n = [UInt32](repeating: 0, count: p.count)
    var totals = [Double](repeating: 0, count: p.count)
    let draws = 2000
    let batch: UInt32 = 4096
    for _ in 0..<draws {
      gsl_ran_multinomial_checked(random, &p, &n, batch)
      XCTAssertEqual(n.reduce(0, +), batch)
      for j in n.indices { totals[j] += Double(n[j]) }
    }
    for j in p.indices {
      let mean = totals[j] / Double(draws) / Double(batch)
      let sd = (p[j] * (1 - p[j]) / Double(batch) / Double(draws)).squareRoot()
      XCTAssertEqual(mean, p[j], accuracy: 5 * sd + 1e-12, "category \(j)")
    }
  }

  func testEmbeddingIsOrthonormalAndSeeded() {
    let e = FeatureEmbedding(featureCount: 3, dimension: 7, seed: 42)
    for a in 0..<3 {
      for b in 0..<3 {
        let dot = zip(e.basis[a], e.basis[b]).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-14)
      }
    }
    XCTAssertEqual(e, FeatureEmbedding(featureCount: 3, dimension: 7, seed: 42))
    XCTAssertNotEqual(e, FeatureEmbedding(featureCount: 3, dimension: 7, seed: 43))
    let v = [0.3, -1.2, 0.7]
    for (x, y) in zip(e.project(e.embed(v)), v) { XCTAssertEqual(x, y, accuracy: 1e-14) }
  }
}

/// Calls `gsl_ran_multinomial` as the trainer does.
private func gsl_ran_multinomial_checked(
  _ random: RandomSource, _ p: inout [Double], _ n: inout [UInt32], _ batch: UInt32
) {
  p.withUnsafeBufferPointer { pb in
    n.withUnsafeMutableBufferPointer { nb in
      random.multinomial(
        batch, probabilities: pb.baseAddress!, counts: nb.baseAddress!, categories: pb.count)
    }
  }
}

final class PathTests: XCTestCase {
  func testNearestTRecoversPointsOnThePath() throws {
    let c = try Case.hierarchy(p0: 0.2, p01: 0.05, tMin: -0.5, tMax: 1.5)
    for t in [-0.4, -0.1, 0, 0.19, 0.5, 0.77, 1, 1.3] {
      let found = c.path.nearestT(to: c.path.latent(at: t))
      XCTAssertEqual(found.t, t, accuracy: 1e-12)
      XCTAssertEqual(found.cosine, 1, accuracy: 1e-14)
    }
  }

  func testNearestTMatchesAFineSearchOffThePath() throws {
    let path = LatentPath(from: [1, 0, 0], to: [0.2, 1, 0.3], tMin: -0.3, tMax: 1.2)
    var random = SplitMix64(seed: 99)
    for _ in 0..<20 {
      var latent = random.vector(3)
      let norm = latent.reduce(0) { $0 + $1 * $1 }.squareRoot()
      latent = latent.map { $0 / norm }
      let found = path.nearestT(to: latent)
      var best = (t: path.tMin, cosine: -2.0)
      for i in 0...20_000 {
        let t = path.tMin + (path.tMax - path.tMin) * Double(i) / 20_000
        let c = zip(path.latent(at: t), latent).reduce(0) { $0 + $1.0 * $1.1 }
        if c > best.cosine { best = (t, c) }
      }
      XCTAssertEqual(found.cosine, best.cosine, accuracy: 1e-8)
      XCTAssertGreaterThanOrEqual(found.cosine, best.cosine - 1e-15)
      XCTAssertEqual(found.t, best.t, accuracy: 2e-4)
    }
  }

  func testDescendFindsTheBasinMinimum() throws {
    // p0 = 0.2, p01 = 0.15: L2 has minima at the parent (0) and the merged solution
    // (1/2), with the ridge between them at t = 1 - p01 / p0 = 1/4.
    let landscape = LossLandscape(try toy(p0: 0.2, p01: 0.15))
    XCTAssertEqual(landscape.descend(.l2, from: 0.2)?.t ?? .nan, 0, accuracy: 1e-12)
    XCTAssertEqual(landscape.descend(.l2, from: 0.3)?.t ?? .nan, 0.5, accuracy: 1e-12)
    XCTAssertEqual(landscape.descend(.l2, from: 0.9)?.t ?? .nan, 0.5, accuracy: 1e-12)
    XCTAssertEqual(landscape.descend(.l2, from: 0)?.t ?? .nan, 0, accuracy: 1e-12)
    XCTAssertEqual(landscape.descend(.l2, from: 0.5)?.t ?? .nan, 0.5, accuracy: 1e-12)
  }

  func testTargetsFollowTheSeedsReasoning() throws {
    var options = TrainingOptions()
    options.loss = .snap
    // MSE minimum t* = 0.3486 lies beyond the ridge at 1/4: snap merges.
    XCTAssertEqual(
      try TrainingTarget(for: toy(p0: 0.2, p01: 0.15), options: options).minimum.t, 0.5,
      accuracy: 1e-12)
    // t* = 0.191 lies in the parent's basin (no ridge on [0, 1/2]): snap recovers the parent.
    XCTAssertEqual(try TrainingTarget(for: toy(), options: options).minimum.t, 0, accuracy: 1e-12)
    options.loss = .mse
    XCTAssertEqual(
      try TrainingTarget(for: toy(), options: options).minimum.t, (3 - 5.0.squareRoot()) / 4,
      accuracy: 1e-12)
  }
}

final class TrainerTests: XCTestCase {
  private func quickOptions() -> TrainingOptions {
    var o = TrainingOptions()
    o.steps = 600
    o.batch = 1024
    o.learningRate = 0.005
    o.initialNoise = 0.05
    o.dimension = 5
    o.trajectoryInterval = 100
    return o
  }

  /// Issue 12 item 6: weights of 1e300 overflow on the first step; training stops there
  /// and says so instead of reporting t = 0 and a NaN loss.
  func testDivergenceStopsAtTheFirstNonFiniteStep() throws {
    var o = quickOptions()
    o.initialNoise = 1e300
    let r = try Trainer(toy(), options: o).run()
    XCTAssertEqual(r.divergedAt, 0)
    let fine = try Trainer(toy(), options: quickOptions()).run()
    XCTAssertNil(fine.divergedAt)
  }

  func testSameSeedIsBitIdenticalAndAnotherSeedDiffers() throws {
    for biases in TrainingPlan.Biases.allCases {
      var o = quickOptions()
      o.loss = .snap
      o.biases = biases
      let a = try Trainer(toy(), options: o).run()
      let b = try Trainer(toy(), options: o).run()
      XCTAssertEqual(a.sae.weights.map(\.bitPattern), b.sae.weights.map(\.bitPattern))
      XCTAssertEqual(a.sae.decoderBias?.map(\.bitPattern), b.sae.decoderBias?.map(\.bitPattern))
      XCTAssertEqual(a.sae.encoderBias?.bitPattern, b.sae.encoderBias?.bitPattern)
      XCTAssertEqual(a.trajectory, b.trajectory)
      XCTAssertEqual(a.t.bitPattern, b.t.bitPattern)
      XCTAssertEqual(a.loss.bitPattern, b.loss.bitPattern)
      o.seed = 2
      let c = try Trainer(toy(), options: o).run()
      XCTAssertNotEqual(a.sae.weights, c.sae.weights)
      XCTAssertNotEqual(a.embedding, c.embedding)
    }
  }

  /// MSE training on the seeds' toy hedges to the root of
  /// p0 t^2 - (p0 + 2 p01) t + p01 = 0 in [0, 1/2]: with p0 = 0.2, p01 = 0.05,
  /// t^2 - 1.5 t + 0.25 = 0, so t* = (1.5 - sqrt(1.25)) / 2 = (3 - sqrt 5) / 4.
  func testMSETrainingHedgesToTheAnalyticMinimum() throws {
    let tStar = (3 - 5.0.squareRoot()) / 4
    XCTAssertEqual(0.2 * tStar * tStar - 0.3 * tStar + 0.05, 0, accuracy: 1e-15)
    var o = TrainingOptions()
    o.loss = .mse
    o.steps = 4000
    o.batch = 4096
    o.learningRate = 0.0005
    let tolerance = 0.01
    for seed: UInt64 in [1, 2, 3] {
      o.seed = seed
      let r = try Trainer(toy(), options: o).run()
      XCTAssertEqual(r.t, tStar, accuracy: tolerance, "seed \(seed)")
      XCTAssertEqual(r.cosine, 1, accuracy: 1e-9)
      XCTAssertEqual(r.loss, (3 - 5.0.squareRoot()) / 20, accuracy: 1e-4)  // MSE(t*) = p0 t*
    }
  }

  /// Drawing every sample (the reference) lands where drawing the counts does.
  func testEverySampleSamplingAgreesWithPatternCounts() throws {
    let tStar = (3 - 5.0.squareRoot()) / 4
    var o = TrainingOptions()
    o.steps = 3000
    o.batch = 512
    o.learningRate = 0.0005
    o.sampling = .samples
    let slow = try Trainer(toy(), options: o).run()
    o.sampling = .counts
    let fast = try Trainer(toy(), options: o).run()
    XCTAssertEqual(slow.t, tStar, accuracy: 0.015)
    XCTAssertEqual(fast.t, tStar, accuracy: 0.015)
    XCTAssertNotEqual(slow.sae, fast.sae)  // different random streams
  }

  /// Snap loss with a decoder bias: the parent, and no child in the bias. (The bias's
  /// parent component b_p is free below zero: with l = parent, every b_p <= 0 gives the
  /// same reconstructions, so only b_p <= 0 is checked.)
  func testSnapRecoversTheParentAndLearnsNoBias() throws {
    var o = TrainingOptions()
    o.loss = .snap
    o.steps = 4000
    o.learningRate = 0.003
    o.biases = .decoder
    let r = try Trainer(toy(), options: o).run()
    XCTAssertEqual(r.t, 0, accuracy: 0.01)
    XCTAssertEqual(r.decoderBias![1], 0, accuracy: 0.01)
    XCTAssertLessThanOrEqual(r.decoderBias![0], 0.01)
  }

  /// Independent features: the latent is the parent and b_dec takes the child's firing
  /// probability, 0.05 + 0.15 = 0.2 (the seed's "hedging in the decoder bias").
  func testDecoderBiasLearnsTheChildFrequency() throws {
    let c = try Case.hierarchy(p0: 0.2, p01: 0.05, p1: 0.15)
    var o = TrainingOptions()
    o.steps = 20000
    o.learningRate = 0.0005
    o.biases = .decoder
    let r = try Trainer(c, options: o).run()
    XCTAssertEqual(r.t, 0, accuracy: 0.02)
    XCTAssertEqual(r.decoderBias![1], 0.2, accuracy: 0.01)
  }

  func testTrajectoryAndProgress() throws {
    var o = quickOptions()
    o.loss = .snap
    var calls = 0
    let r = try Trainer(toy(), options: o).run { p in
      calls += 1
      XCTAssertEqual(p.kind, p.step <= 300 ? .mse : .l2)
    }
    XCTAssertEqual(calls, 100)
    XCTAssertEqual(r.trajectory.map(\.step), Array(stride(from: 0, through: 600, by: 100)))
    XCTAssertEqual(r.trajectory.first!.kind, .mse)
    XCTAssertEqual(r.trajectory.last!.kind, .l2)
    XCTAssertGreaterThan(r.samplesPerSecond, 0)
  }

  func testOptionsAreValidatedBeforeGSLSeesThem() throws {
    func field(_ change: (inout TrainingOptions) -> Void) -> String? {
      var o = TrainingOptions()
      change(&o)
      do {
        _ = try Trainer(toy(), options: o)
        return nil
      } catch let e as CaseError {
        return e.field
      } catch {
        return "\(error)"
      }
    }
    XCTAssertEqual(field { $0.batch = 0 }, "train.batch")
    XCTAssertEqual(field { $0.batch = Int(UInt32.max) + 1 }, "train.batch")
    XCTAssertEqual(field { $0.steps = 0 }, "train.steps")
    XCTAssertEqual(field { $0.learningRate = .nan }, "train.lr")
    XCTAssertEqual(field { $0.beta1 = 1 }, "train.beta1")
    XCTAssertEqual(field { $0.beta2 = -0.1 }, "train.beta2")
    XCTAssertEqual(field { $0.dimension = 1 }, "train.dim")
    XCTAssertEqual(field { $0.seed = 1 << 40 }, "train.seed")
    XCTAssertEqual(field { $0.initialT = .infinity }, "train.init")
    XCTAssertEqual(field { $0.initialNoise = -1 }, "train.init_noise")
    XCTAssertEqual(field { $0.snapAt = 5000 }, "train.snap_at")
    XCTAssertEqual(field { $0.l1 = -1 }, "train.l1")
    XCTAssertNil(field { _ in })
    var c = try toy()
    c.penalty = Penalty(coefficient: 0.1, exponent: 2)
    XCTAssertThrowsError(try TrainingOptions(for: c))
  }
}

final class CaseFileTrainingTests: XCTestCase {
  /// Every cases/train-*.json trains to its analytic minimum within its tolerance.
  func testTrainingCasesPass() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("cases")
    let files = try FileManager.default.contentsOfDirectory(atPath: root.path)
      .filter { $0.hasPrefix("train-") && $0.hasSuffix(".json") }.sorted()
    XCTAssertGreaterThanOrEqual(files.count, 5)
    for file in files {
      let c = try Case.load(contentsOf: root.appendingPathComponent(file).path)
      let check = try TrainingCheck(c)
      XCTAssertTrue(
        check.passed,
        "\(c.name): trained t \(check.result.t), analytic t \(check.target.minimum.t) (\(check.target.reason)), tolerance \(check.tolerance)"
      )
    }
  }
}
