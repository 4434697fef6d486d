import CaseFiles
import Foundation
import Landscape
import SparseAutoencoders
import TestSupport
import ToyModels
import XCTest

@testable import Training

extension SplitMix64 {
  /// A uniform value in [-1, 1), for test points.
  fileprivate mutating func signed() -> Double { uniform(-1, 1) }
  /// n uniform values in [-1, 1).
  fileprivate mutating func vector(_ n: Int) -> [Double] { (0..<n).map { _ in signed() } }
}

/// The seeds' single-latent toy: P(parent alone) = p0, P(parent and child) = p01.
private func toy(p0: Double = 0.2, p01: Double = 0.05) throws -> LatentCase {
  try LatentCase.hierarchy(p0: p0, p01: p01)
}

final class SingleLatentSAETests: XCTestCase {
  /// The exact expected loss of the trainer's SAE (one tied relu latent, no biases) over a
  /// case's toy is `LatentCase.losses(atLatent:)`: the bridge reads the case as the landscape does.
  func testSAELossAgreesWithTheExactLandscape() throws {
    for c in [try toy(), try LatentCase.hierarchy(p0: 0.2, p01: 0.05, p1: 0.15)] {
      let patterns = c.toyModel.patterns!
      for t in [0.0, 0.1, 0.3, 0.5, 0.9] {
        let l = c.path.latent(at: t)
        let sae = try SAE(decoder: [l], decoderBias: [0, 0])
        let exact = c.losses(atLatent: l)
        XCTAssertEqual(sae.expectedLoss(patterns, .mse), exact.mse, accuracy: 1e-14)
        XCTAssertEqual(sae.expectedLoss(patterns, .l2), exact.l2, accuracy: 1e-14)
      }
    }
  }
}

final class PathTests: XCTestCase {
  func testNearestTRecoversPointsOnThePath() throws {
    let c = try LatentCase.hierarchy(p0: 0.2, p01: 0.05, tMin: -0.5, tMax: 1.5)
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
    var options = LatentTrainingPlan()
    options.sae.loss = .snap
    // MSE minimum t* = 0.3486 lies beyond the ridge at 1/4: snap merges.
    XCTAssertEqual(
      try TrainingTarget(for: toy(p0: 0.2, p01: 0.15), options: options).minimum.t, 0.5,
      accuracy: 1e-12)
    // t* = 0.191 lies in the parent's basin (no ridge on [0, 1/2]): snap recovers the parent.
    XCTAssertEqual(try TrainingTarget(for: toy(), options: options).minimum.t, 0, accuracy: 1e-12)
    options.sae.loss = .mse
    XCTAssertEqual(
      try TrainingTarget(for: toy(), options: options).minimum.t, (3 - 5.0.squareRoot()) / 4,
      accuracy: 1e-12)
  }
}

final class LatentTrainerTests: XCTestCase {
  private func quickOptions() -> LatentTrainingPlan {
    var o = LatentTrainingPlan()
    o.sae.steps = 600
    o.sae.batch = 1024
    o.sae.learningRate = 0.005
    o.sae.initialNoise = 0.05
    o.sae.dimension = 5
    o.trajectoryInterval = 100
    return o
  }

  /// lbfgs on the exact loss lands on the landscape's MSE minimum: for the hierarchy (p0 =
  /// 0.2, p01 = 0.05, no bias) t* = 2 p01 / ((p0 + 2 p01) + sqrt(p0^2 + 4 p01^2)) =
  /// 0.190983005625052575... and the loss there 0.0381966011250105151... (mpmath, 30
  /// digits), where Adam's 600 noisy steps only come near.
  func testMinimiserLandsOnTheAnalyticMinimum() throws {
    var o = LatentTrainingPlan()
    o.sae.optimizer = .lbfgs
    o.sae.data = .exact
    o.sae.steps = 500
    let r = try toy().trainingRun(o)
    XCTAssertEqual(r.t, 0.190983005625052575, accuracy: 1e-9)
    XCTAssertEqual(r.loss, 0.0381966011250105151, accuracy: 1e-15)
    let m = try XCTUnwrap(r.minimisation)
    XCTAssertLessThan(m.gradientNorm, 1e-9)
    XCTAssertEqual(try toy().trainingRun(o).sae, r.sae)  // deterministic
    // Adam's run is beaten (or matched) by the minimiser, never the other way round.
    let adam = try toy().trainingRun(quickOptions())
    XCTAssertLessThanOrEqual(r.loss, adam.loss + 1e-15)
    // lbfgs needs the exact loss: counts data is refused, naming the field.
    o.sae.data = .counts
    XCTAssertThrowsError(try toy().trainingRun(o)) {
      XCTAssertEqual(($0 as? FieldError)?.field, "train.optimizer")
    }
  }

  /// Issue 12 item 6: weights of 1e300 overflow on the first step; training stops there
  /// and says so instead of reporting t = 0 and a NaN loss.
  /// A start whose norm would overflow (noise 1e300) is refused before training: within the
  /// plan's ranges a single latent's run stays finite.
  func testOverflowingStartIsRefused() throws {
    var o = quickOptions()
    o.sae.initialNoise = 1e300
    XCTAssertThrowsError(try toy().trainingRun(o)) {
      XCTAssertEqual("\($0)", "train.init_noise: 1e+300 is not in [0, 1e6]")
    }
    o.sae.initialNoise = 1e6
    XCTAssertNil(try toy().trainingRun(o).divergedAt)
  }

  func testSameSeedIsBitIdenticalAndAnotherSeedDiffers() throws {
    for biases in LatentTrainingPlan.Biases.allCases {
      var o = quickOptions()
      o.sae.loss = .snap
      o.biases = biases
      let a = try toy().trainingRun(o)
      let b = try toy().trainingRun(o)
      XCTAssertEqual(a.sae.decoder.map(\.bitPattern), b.sae.decoder.map(\.bitPattern))
      XCTAssertEqual(a.sae.decoderBias.map(\.bitPattern), b.sae.decoderBias.map(\.bitPattern))
      XCTAssertEqual(a.sae.encoderBias.map(\.bitPattern), b.sae.encoderBias.map(\.bitPattern))
      XCTAssertEqual(a.decoderBias?.map(\.bitPattern), b.decoderBias?.map(\.bitPattern))
      XCTAssertEqual(a.encoderBias?.bitPattern, b.encoderBias?.bitPattern)
      XCTAssertEqual(a.decoderBias == nil, biases == .none)
      XCTAssertEqual(a.encoderBias == nil, biases != .both)
      XCTAssertEqual(a.trajectory, b.trajectory)
      XCTAssertEqual(a.t.bitPattern, b.t.bitPattern)
      XCTAssertEqual(a.loss.bitPattern, b.loss.bitPattern)
      o.sae.seed = 2
      let c = try toy().trainingRun(o)
      XCTAssertNotEqual(a.sae.decoder, c.sae.decoder)
      XCTAssertNotEqual(a.embedding, c.embedding)
    }
  }

  /// MSE training on the seeds' toy hedges to the root of
  /// p0 t^2 - (p0 + 2 p01) t + p01 = 0 in [0, 1/2]: with p0 = 0.2, p01 = 0.05,
  /// t^2 - 1.5 t + 0.25 = 0, so t* = (1.5 - sqrt(1.25)) / 2 = (3 - sqrt 5) / 4.
  func testMSETrainingHedgesToTheAnalyticMinimum() throws {
    let tStar = (3 - 5.0.squareRoot()) / 4
    XCTAssertEqual(0.2 * tStar * tStar - 0.3 * tStar + 0.05, 0, accuracy: 1e-15)
    var o = LatentTrainingPlan()
    o.sae.loss = .mse
    o.sae.steps = 4000
    o.sae.batch = 4096
    o.sae.learningRate = 0.0005
    let tolerance = 0.01
    for seed: UInt64 in [1, 2, 3] {
      o.sae.seed = seed
      let r = try toy().trainingRun(o)
      XCTAssertEqual(r.t, tStar, accuracy: tolerance, "seed \(seed)")
      XCTAssertEqual(r.cosine, 1, accuracy: 1e-9)
      XCTAssertEqual(r.loss, (3 - 5.0.squareRoot()) / 20, accuracy: 1e-4)  // MSE(t*) = p0 t*
    }
  }

  /// Drawing every sample (the reference) lands where drawing the counts does.
  func testEverySampleSamplingAgreesWithPatternCounts() throws {
    let tStar = (3 - 5.0.squareRoot()) / 4
    var o = LatentTrainingPlan()
    o.sae.steps = 3000
    o.sae.batch = 512
    o.sae.learningRate = 0.0005
    o.sae.data = .samples
    let slow = try toy().trainingRun(o)
    o.sae.data = .counts
    let fast = try toy().trainingRun(o)
    XCTAssertEqual(slow.t, tStar, accuracy: 0.015)
    XCTAssertEqual(fast.t, tStar, accuracy: 0.015)
    XCTAssertNotEqual(slow.sae, fast.sae)  // different draws from the stream
  }

  /// Snap loss with a decoder bias: the parent, and no child in the bias. (The bias's
  /// parent component b_p is free below zero: with l = parent, every b_p <= 0 gives the
  /// same reconstructions, so only b_p <= 0 is checked.)
  func testSnapRecoversTheParentAndLearnsNoBias() throws {
    var o = LatentTrainingPlan()
    o.sae.loss = .snap
    o.sae.steps = 4000
    o.sae.learningRate = 0.003
    o.biases = .decoder
    let r = try toy().trainingRun(o)
    XCTAssertEqual(r.t, 0, accuracy: 0.01)
    XCTAssertEqual(r.decoderBias![1], 0, accuracy: 0.01)
    XCTAssertLessThanOrEqual(r.decoderBias![0], 0.01)
  }

  /// Independent features: the latent is the parent and b_dec takes the child's firing
  /// probability, 0.05 + 0.15 = 0.2 (the seed's "hedging in the decoder bias").
  func testDecoderBiasLearnsTheChildFrequency() throws {
    let c = try LatentCase.hierarchy(p0: 0.2, p01: 0.05, p1: 0.15)
    var o = LatentTrainingPlan()
    o.sae.steps = 20000
    o.sae.learningRate = 0.0005
    o.biases = .decoder
    let r = try c.trainingRun(o)
    XCTAssertEqual(r.t, 0, accuracy: 0.02)
    XCTAssertEqual(r.decoderBias![1], 0.2, accuracy: 0.01)
  }

  func testTrajectoryAndProgress() throws {
    var o = quickOptions()
    o.sae.loss = .snap
    var calls = 0
    let r = try toy().trainingRun(o) { p in
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
    func field(_ change: (inout LatentTrainingPlan) -> Void) -> String? {
      var o = LatentTrainingPlan()
      change(&o)
      do {
        try o.validate(featureCount: toy().features.count)
        return nil
      } catch let e as FieldError {
        return e.field
      } catch {
        return "\(error)"
      }
    }
    XCTAssertEqual(field { $0.sae.batch = 0 }, "train.batch")
    XCTAssertEqual(field { $0.sae.batch = Int(UInt32.max) + 1 }, "train.batch")
    XCTAssertEqual(field { $0.sae.steps = 0 }, "train.steps")
    XCTAssertEqual(field { $0.sae.learningRate = .nan }, "train.lr")
    XCTAssertEqual(field { $0.sae.beta1 = 1 }, "train.beta1")
    XCTAssertEqual(field { $0.sae.beta2 = -0.1 }, "train.beta2")
    XCTAssertEqual(field { $0.sae.dimension = 1 }, "train.dim")
    XCTAssertEqual(field { $0.sae.seed = 1 << 40 }, "train.seed")
    XCTAssertEqual(field { $0.initialT = .infinity }, "train.init")
    XCTAssertEqual(field { $0.sae.initialNoise = -1 }, "train.init_noise")
    XCTAssertEqual(field { $0.sae.snapAt = 5000 }, "train.snap_at")
    XCTAssertEqual(field { $0.sae.l1 = -1 }, "train.l1")
    XCTAssertNil(field { _ in })
    var c = try toy()
    c.penalty = Penalty(coefficient: 0.1, exponent: 2)
    XCTAssertThrowsError(try LatentTrainingPlan(for: c, plan: nil))
  }

  /// A run asked to stop stops before the next step; one never asked is the plain run.
  func testRunCanBeCancelled() throws {
    var asked = 0
    XCTAssertThrowsError(
      try toy().trainingRun(quickOptions(), isCancelled: {
        asked += 1
        return asked > 5
      })
    ) { XCTAssert($0 is CancellationError) }
    XCTAssertEqual(asked, 6)
    let plain = try toy().trainingRun(quickOptions())
    let asking = try toy().trainingRun(quickOptions(), isCancelled: { false })
    XCTAssertEqual(asking.sae, plain.sae)
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
      guard
        case .latent(let c, let plan?) = try CaseDocument.load(
          contentsOf: root.appendingPathComponent(file).path)
      else { return XCTFail("\(file) has no train block") }
      let check = try LatentTrainingCheck(c, plan: plan)
      XCTAssertTrue(
        check.passed,
        "\(c.name): trained t \(check.result.t), analytic t \(check.target.minimum.t) (\(check.target.reason)), tolerance \(check.tolerance)"
      )
    }
  }
}
