import ToyModels
import XCTest

@testable import SparseAutoencoders

final class SAETrainerTests: XCTestCase {
  /// Parent (0.3) with a child (0.4 given the parent), and an independent feature (0.2).
  func toy() throws -> ToyModel { try TrainerFixture.toy() }

  func initial(tied: Bool = false) throws -> SAE { try TrainerFixture.initial(tied: tied) }

  func plan(_ data: SAETrainingPlan.Data, seed: UInt64 = 1) -> SAETrainingPlan {
    TrainerFixture.plan(data, seed: seed)
  }

  func testExactTrainingLowersTheExpectedLossAndKeepsUnitRows() throws {
    let toy = try toy()
    let start = try initial()
    let end = try start.trained(on: toy, plan(.exact))
    let before = start.expectedLoss(toy.patterns!, .mse, l1: 0.05)
    let after = end.expectedLoss(toy.patterns!, .mse, l1: 0.05)
    XCTAssertLessThan(after, 0.5 * before)
    for i in 0..<2 { XCTAssertEqual(end.decoderNorm(i), 1, accuracy: 1e-12) }
    // exact is deterministic and ignores the seed.
    XCTAssertEqual(end, try start.trained(on: toy, plan(.exact, seed: 9)))
  }

  func testExactAndCountsAgreeWithinNoise() throws {
    let toy = try toy()
    let exact = try initial().trained(on: toy, plan(.exact))
    for data in [SAETrainingPlan.Data.counts, .samples] {
      let noisy = try initial().trained(on: toy, plan(data))
      for (a, b) in zip(exact.decoder, noisy.decoder) { XCTAssertEqual(a, b, accuracy: 0.03) }
      for (a, b) in zip(exact.encoder, noisy.encoder) { XCTAssertEqual(a, b, accuracy: 0.03) }
      XCTAssertNotEqual(exact.decoder, noisy.decoder)
    }
  }

  func testSameSeedSameBits() throws {
    let toy = try toy()
    for tied in [false, true] {
      let a = try initial(tied: tied).trained(on: toy, plan(.counts, seed: 3))
      let b = try initial(tied: tied).trained(on: toy, plan(.counts, seed: 3))
      let c = try initial(tied: tied).trained(on: toy, plan(.counts, seed: 4))
      XCTAssertEqual(a, b)
      XCTAssertNotEqual(a, c)
    }
  }

  func testCorrelatedToyTrainsFromSamplesOnly() throws {
    let firing = try CorrelatedFiring(
      probabilities: [0.25, 0.1, 0.1], correlation: [[1, 0, 0.4], [0, 1, 0.3], [0.4, 0.3, 1]])
    let toy = ToyModel(features: ["a", "b", "c"], firing: .correlated(firing))
    XCTAssertThrowsError(try initial().trained(on: toy, plan(.exact)))
    var p = plan(.samples)
    p.steps = 20
    p.batch = 256
    let a = try initial().trained(on: toy, p)
    XCTAssertEqual(a, try initial().trained(on: toy, p))
    XCTAssertNotEqual(a, try initial())
  }

  func testBatchTopKAndEmbeddedRunsAreSeededAndAgreeWithExact() throws {
    let toy = try toy()
    var top = try initial()
    top.activation = .batchTopK(k: 1, threshold: 0)
    let wide = try SAE(
      decoder: [[0.7, 0.3, 0.2, 0.1, 0], [0.2, 0.3, 0.8, 0, 0.1]], decoderBias: [0, 0, 0, 0, 0],
      encoder: [[0.6, 0.2, 0.1, 0, 0], [0.1, 0.2, 0.7, 0, 0]])
    for (sae, dimension) in [(top, nil), (wide, 5)] as [(SAE, Int?)] {
      var exact = plan(.exact, seed: 5)
      exact.dimension = dimension
      var counts = plan(.counts, seed: 5)
      counts.dimension = dimension
      let a = try sae.trainingRun(on: toy, counts)
      XCTAssertEqual(a.sae, try sae.trained(on: toy, counts))
      counts.seed = 6
      XCTAssertNotEqual(a.sae, try sae.trained(on: toy, counts))
      let e = try sae.trainingRun(on: toy, exact)
      XCTAssertEqual(a.embedding, e.embedding)
      for (x, y) in zip(a.sae.decoder, e.sae.decoder) { XCTAssertEqual(x, y, accuracy: 0.03) }
      for (x, y) in zip(a.sae.encoder, e.sae.encoder) { XCTAssertEqual(x, y, accuracy: 0.03) }
    }
  }

  /// In d = 5 > n = 3 the features are a seeded orthonormal basis drawn first from the run's
  /// stream; the trained SAE reads (through that basis) as the d = n run does.
  func testEmbeddedRunReadsLikeTheCoordinateRun() throws {
    let toy = try toy()
    var p = plan(.exact)
    p.steps = 20000
    p.seed = 4
    let plain = try initial().trainingRun(on: toy, p)
    XCTAssertNil(plain.embedding)
    p.dimension = 5
    let basis = FeatureEmbedding(features: 3, dimension: 5, seed: 4).basis
    let start = try SAE(
      decoder: (0..<2).map { i in
        (0..<5).map { c in
          (0..<3).reduce(0.0) { $0 + [[0.7, 0.3, 0.2], [0.2, 0.3, 0.8]][i][$1] * basis[$1][c] }
        }
      },
      decoderBias: [0, 0, 0, 0, 0],
      encoder: (0..<2).map { i in
        (0..<5).map { c in
          (0..<3).reduce(0.0) { $0 + [[0.6, 0.2, 0.1], [0.1, 0.2, 0.7]][i][$1] * basis[$1][c] }
        }
      })
    let wide = try start.trainingRun(on: toy, p)
    XCTAssertEqual(wide.embedding?.basis, basis)
    let a = plain.reading
    let b = wide.reading
    for i in 0..<2 {
      XCTAssertEqual(a.decoderLatents[i].tracked, b.decoderLatents[i].tracked)
      for j in 0..<3 {
        XCTAssertEqual(a.decoderCos[i][j], b.decoderCos[i][j], accuracy: 0.02)
        XCTAssertEqual(a.encoderCos[i][j], b.encoderCos[i][j], accuracy: 0.02)
      }
    }
    XCTAssertEqual(
      plain.sae.expectedLoss(toy.patterns!, .mse, l1: 0.05),
      wide.sae.expectedLoss(toy.patterns!, .mse, l1: 0.05, basis: basis), accuracy: 1e-3)
  }

  /// Snap: MSE until the switch step, l2 after it (the kernel's two paths in one run).
  func testSnapSwitchesLossAtItsStep() throws {
    let toy = try toy()
    var p = plan(.counts, seed: 2)
    let mse = try initial().trained(on: toy, p)
    p.loss = .l2
    let l2 = try initial().trained(on: toy, p)
    p.loss = .snap
    p.snapAt = 150
    let snap = try initial().trained(on: toy, p)
    XCTAssertEqual(snap, try initial().trained(on: toy, p))
    XCTAssertNotEqual(snap, mse)
    XCTAssertNotEqual(snap, l2)
    // Before the switch it is the MSE run.
    p.steps = 150
    var first = p
    first.loss = .mse
    first.snapAt = nil
    XCTAssertEqual(try initial().trained(on: toy, p), try initial().trained(on: toy, first))
  }

  func testRunCountsItsSamplesAndTime() throws {
    let run = try initial().trainingRun(on: try toy(), plan(.counts))
    XCTAssertEqual(run.samples, 300 * 4096)
    // 3 states of the group x 2 of the independent feature: 6 patterns, the rarest of
    // probability 0.3 * 0.4 * 0.2 = 0.024, so all are drawn in a batch of 4096.
    XCTAssertEqual(run.distinctPatterns, 6)
    XCTAssertGreaterThan(run.samplingSeconds, 0)
    XCTAssertGreaterThan(run.gradientSeconds, 0)
    // The batches are drawn on a second thread, beside the steps: only the wait is on their path.
    let phases = try XCTUnwrap(run.phases)
    XCTAssertLessThanOrEqual(run.samplingSeconds, run.seconds)
    XCTAssertLessThanOrEqual(run.gradientSeconds + phases.waiting, run.seconds)
    XCTAssertLessThanOrEqual(phases.forward + phases.backward + phases.adam, run.gradientSeconds)
    var inline = plan(.counts)
    inline.drawsAhead = false
    let drawnInline = try initial().trainingRun(on: try toy(), inline)
    XCTAssertLessThanOrEqual(
      drawnInline.samplingSeconds + drawnInline.gradientSeconds, drawnInline.seconds)
    XCTAssertEqual(drawnInline.phases?.waiting, 0)
    XCTAssertEqual(try initial().trainingRun(on: try toy(), plan(.exact)).samples, 0)
  }

  /// Drawing the batches on a second thread draws the same batches: the same bits as drawing
  /// them inline, for counts, samples from an alias table and the correlated sampler, and for a
  /// run of one step (no buffer handed back) and of two.
  func testDrawingAheadGivesTheSameBits() throws {
    let firing = try CorrelatedFiring(
      probabilities: [0.25, 0.1, 0.1], correlation: [[1, 0, 0.4], [0, 1, 0.3], [0.4, 0.3, 1]])
    let correlated = ToyModel(features: ["a", "b", "c"], firing: .correlated(firing))
    for (toy, data) in [
      (try toy(), SAETrainingPlan.Data.counts), (try toy(), .samples), (correlated, .samples),
    ] {
      for steps in [1, 2, 37] {
        var ahead = plan(data)
        ahead.steps = steps
        ahead.batch = 512
        var inline = ahead
        inline.drawsAhead = false
        let a = try initial().trainingRun(on: toy, ahead)
        let b = try initial().trainingRun(on: toy, inline)
        XCTAssertEqual(a.sae, b.sae, "\(data) \(steps) steps")
        XCTAssertEqual(a.distinctPatterns, b.distinctPatterns)
        XCTAssertNotEqual(a.sae, try initial())
      }
    }
  }

  /// A frozen bias keeps the SAE's value; the others still train.
  func testFrozenBiasesKeepTheirValues() throws {
    let toy = try toy()
    var start = try initial(tied: true)
    start.encoderBias = [0.05, -0.02]
    start.decoderBias = [0.1, 0, -0.1]
    var p = plan(.counts)
    p.trainsEncoderBias = false
    p.trainsDecoderBias = false
    let frozen = try start.trained(on: toy, p)
    XCTAssertEqual(frozen.encoderBias, start.encoderBias)
    XCTAssertEqual(frozen.decoderBias, start.decoderBias)
    XCTAssertNotEqual(frozen.decoder, start.decoder)
    p.trainsDecoderBias = true
    let decoderOnly = try start.trained(on: toy, p)
    XCTAssertEqual(decoderOnly.encoderBias, start.encoderBias)
    XCTAssertNotEqual(decoderOnly.decoderBias, start.decoderBias)
    p.trainsEncoderBias = true
    XCTAssertNotEqual(try start.trained(on: toy, p).encoderBias, start.encoderBias)
  }

  /// The observer sees the start and every step, with the step's loss and the SAE as it
  /// stands: the last SAE it sees is the trained one.
  func testObserverSeesEveryStep() throws {
    let toy = try toy()
    var p = plan(.counts)
    p.loss = .snap
    p.snapAt = 100
    var steps: [Int] = []
    var kinds: [ReconstructionLoss] = []
    var last: SAE? = nil
    let run = try initial().trainingRun(on: toy, p) { progress in
      steps.append(progress.step)
      kinds.append(progress.reconstruction)
      XCTAssertEqual(progress.steps, 300)
      XCTAssertEqual(progress.loss.isNaN, progress.step == 0)
      last = progress.sae
    }
    XCTAssertEqual(steps, Array(0...300))
    // Step t (0-based) trains on l2 from t = 100 on: after it, 101 steps are done.
    XCTAssertEqual(kinds.firstIndex(of: .l2), 101)
    XCTAssertEqual(kinds[0], .mse)
    XCTAssertEqual(last, run.sae)
    XCTAssertNil(run.divergedAt)
    // Watching does not change the run.
    XCTAssertEqual(run.sae, try initial().trained(on: toy, p))
  }

  /// Initial noise is drawn from the run's stream: seeded, and added before the rows are
  /// normalised.
  func testInitialNoiseIsSeeded() throws {
    let toy = try toy()
    var p = plan(.counts)
    p.steps = 0
    p.initialNoise = 0.1
    let a = try initial().trained(on: toy, p)
    XCTAssertEqual(a, try initial().trained(on: toy, p))
    XCTAssertNotEqual(a.decoder, try initial().trained(on: toy, plan(.counts)).decoder)
    for i in 0..<2 { XCTAssertEqual(a.decoderNorm(i), 1, accuracy: 1e-12) }
    p.seed = 2
    XCTAssertNotEqual(a, try initial().trained(on: toy, p))
  }

  /// A run stops at the first step whose loss or weights are not finite.
  func testDivergenceStopsTheRun() throws {
    let toy = try toy()
    var huge = try initial()
    huge.encoderBias = [1e300, 1e300]  // a^2 overflows: the first batch loss is infinite
    let infinite = try huge.trainingRun(on: toy, plan(.counts))
    XCTAssertEqual(infinite.divergedAt, 0)
    XCTAssertNil(try initial().trainingRun(on: toy, plan(.counts)).divergedAt)
  }

  func testBadPlansNameTheField() throws {
    let toy = try toy()
    var cases: [(SAETrainingPlan, String)] = []
    var p = plan(.counts)
    p.dimension = 2
    cases.append((p, "dimension"))
    p.dimension = 4
    cases.append((p, "dimension"))
    p = plan(.counts)
    p.batch = 0
    cases.append((p, "batch"))
    p = plan(.counts)
    p.initialNoise = 1e300  // the rows' norms would overflow before the first step
    cases.append((p, "init_noise"))
    p = plan(.counts)
    p.learningRate = 11
    cases.append((p, "lr"))
    p = plan(.counts)
    p.learningRate = .nan
    cases.append((p, "lr"))
    p = plan(.counts)
    p.beta1 = 1
    cases.append((p, "beta1"))
    p = plan(.counts)
    p.beta2 = -0.1
    cases.append((p, "beta2"))
    p = plan(.counts)
    p.seed = UInt64(UInt32.max) + 1
    cases.append((p, "seed"))
    p = plan(.counts)
    p.loss = .snap
    p.snapAt = 301
    cases.append((p, "snap_at"))
    p = plan(.counts)
    p.steps = -1
    cases.append((p, "steps"))
    p = plan(.counts)
    p.l1 = -1
    cases.append((p, "l1"))
    p = plan(.counts)
    p.thresholdLearningRate = 2
    cases.append((p, "threshold_lr"))
    p = plan(.counts)
    p.epsilon = 0
    cases.append((p, "epsilon"))
    p = plan(.counts)
    p.initialNoise = -1
    cases.append((p, "init_noise"))
    for (p, field) in cases {
      XCTAssertThrowsError(try initial().trained(on: toy, p)) {
        XCTAssertTrue("\($0)".hasPrefix(field + ":"), "\($0)")
      }
    }
  }

  /// A run stops when asked before a step (throwing CancellationError, after exactly the
  /// steps it was allowed); a run never cancelled is the run without the question.
  func testTrainingRunCanBeCancelled() throws {
    let toy = try toy()
    var asked = 0
    var observed = 0
    XCTAssertThrowsError(
      try initial().trainingRun(
        on: toy, plan(.counts), observe: { _ in observed += 1 },
        isCancelled: {
          asked += 1
          return asked > 10
        })
    ) { XCTAssert($0 is CancellationError, "\($0)") }
    XCTAssertEqual(asked, 11)
    XCTAssertEqual(observed, 11)  // before the first step, then after each of 10 steps
    let asking = try initial().trainingRun(on: toy, plan(.counts), isCancelled: { false })
    XCTAssertEqual(asking.sae, try initial().trainingRun(on: toy, plan(.counts)).sae)
  }
}
