import Foundation
import ToyModels

/// How an SAE is trained: Adam on the expected loss of each step's weighted patterns.
public struct SAETrainingPlan: Sendable, Hashable {
  /// How a step meets the data.
  public enum Data: String, Sendable, Hashable, CaseIterable {
    /// The exact expected loss over every pattern (weights = probabilities): deterministic.
    case exact
    /// A multinomial draw of the batch's pattern counts, weights c_j / B
    /// (`PatternDistribution.drawCounts`).
    case counts
    /// Every sample drawn (an alias table over the patterns, or the correlated sampler), equal
    /// samples merged: weights c_j / B.
    case samples
  }

  /// The loss a step trains on, in the case file's and the command line's words.
  public enum Loss: String, Sendable, Hashable, CaseIterable {
    /// MSE throughout.
    case mse
    /// L2 = |x - xhat| throughout.
    case l2
    /// The paper's snap loss: MSE before `switchStep`, L2 from it on.
    case snap
  }

  /// How the parameters move.
  public enum Optimizer: String, Sendable, Hashable, CaseIterable {
    /// Adam for `steps` steps (SAELens's trainer).
    case adam
    /// Full-batch minimisation of the exact expected loss to a stationary point
    /// (`SAEKernel.minimise`): exact data, relu or topk; `steps` caps its iterations. Snap
    /// loss in its own order: MSE minimised first, then L2 from that point (each phase
    /// capped at `steps`).
    case lbfgs
  }

  public var data: Data = .exact
  public var optimizer: Optimizer = .adam
  /// lbfgs: stop when the exact gradient's norm (in the tangent space of the decoder-norm
  /// constraint) is at most this times the loss, in (0, 1).
  public var gradientTolerance: Double = 1e-10
  public var loss: Loss = .mse
  /// Snap loss under Adam: the step from which L2 replaces MSE, in 0...steps; nil: half the
  /// steps; not used by lbfgs. Given with another loss, it is refused by `checkSettings()`.
  public var snapAt: Int? = nil
  /// L1 coefficient lambda (relu only), >= 0.
  public var l1: Double = 0
  /// Adam steps, in 0...100_000_000.
  public var steps: Int = 1000
  /// Samples per step B (counts and samples), in 1...2^32 - 1.
  public var batch: Int = 4096
  /// Adam's learning rate, in (0, 10].
  public var learningRate: Double = 0.003
  /// Adam's first-moment decay beta1, in [0, 1).
  public var beta1: Double = 0.9
  /// Adam's second-moment decay beta2, in [0, 1).
  public var beta2: Double = 0.999
  /// Adam's epsilon, finite and > 0.
  public var epsilon: Double = 1e-8
  /// Which biases train: a frozen bias keeps the SAE's value (a single-latent SAE without
  /// biases freezes both at zero).
  public var trainsEncoderBias = true
  public var trainsDecoderBias = true
  /// The standard deviation of Gaussian noise added to every decoder component before the first
  /// step (drawn from the run's stream after the embedding), in [0, 1e6].
  public var initialNoise: Double = 0
  /// BatchTopK: the threshold's moving-average rate, in [0, 1] (SAELens's topk_threshold_lr).
  public var thresholdLearningRate: Double = 0.01
  /// The SAE's input dimension d >= n, the features embedded through a random orthonormal basis
  /// drawn first from the run's stream; nil: d = n, the features are the coordinates.
  public var dimension: Int? = nil
  /// Whether each step's drawing and gradient are timed apart (`SAETrainingRun.samplingSeconds`
  /// and `gradientSeconds`): two clock reads a step, about 40 ns. Off, only the whole run is
  /// timed and both are 0.
  public var timesPhases = true
  /// Whether counts and samples batches are drawn on a second thread, one step ahead of the
  /// gradient (`SAEBatchPrefetch`; the same bits either way). Off when the cores are busy
  /// anyway (a study running one run per core).
  public var drawsAhead = true
  /// Seed of the run's stream (GSL's MT19937; see `RandomStream`).
  public var seed: UInt64 = 1
  /// Runs of a case study, from seeds seed, seed + 1, ..., seed + starts - 1: the study keeps
  /// the one of lowest exact training loss (`SAECaseTraining`; an enumerable toy), so that a
  /// verdict rests on the best of several starts, not one start's local minimum. In 1...100;
  /// the trainer itself runs one.
  public var starts: Int = 1

  public init() {}
}

/// A training run: the trained SAE, the embedding it was trained in and where the time went.
public struct SAETrainingRun: Sendable {
  public var sae: SAE
  /// The features' directions in the SAE's d dimensions; nil when d = n (the unit vectors).
  public var embedding: FeatureEmbedding?
  /// Wall-clock seconds of the whole run, of drawing the batches and of the gradient steps
  /// (loss, gradient, Adam, renormalisation); the last two are 0 unless `timesPhases`.
  public var seconds: Double
  public var samplingSeconds: Double
  public var gradientSeconds: Double
  /// Samples drawn: steps * batch for counts and samples, 0 for exact.
  public var samples: Int
  /// Distinct patterns per step, on average: what a step costs.
  public var distinctPatterns: Double
  /// The step (0-based) whose batch loss or updated weights were not finite: the run stopped
  /// there (0 too when the initial decoder rows' norms overflow); nil when it did not.
  public var divergedAt: Int? = nil
  /// lbfgs: what the minimiser did; nil for Adam.
  public var minimisation: SAEMinimisation? = nil
  /// Where a step's time went (Adam with `timesPhases`); nil otherwise.
  public var phases: SAETrainingPhases? = nil

  /// The trained SAE's reading against the true (embedded) features.
  public var reading: SAEReading { SAEReading(sae, basis: embedding?.basis) }
}

/// Where the steps of a run spent their time, in seconds summed over the steps: the batches are
/// drawn on a second thread (`SAETrainingRun.samplingSeconds`), so only `waiting` for them is
/// on the steps' path.
public struct SAETrainingPhases: Sendable, Hashable {
  /// Waiting for the drawing thread's next batch.
  public var waiting: Double
  /// The forward pass: every pattern's pre-activations a = c + sum_f m_f E_f and active set.
  public var forward: Double
  /// The backward pass: the loss and gradient terms of every pattern and the per-step sums.
  public var backward: Double
  /// Adam's step, the decoder's renormalisation and BatchTopK's threshold.
  public var adam: Double
}

/// A run as it goes, shown to an observer once before the first step and after every step.
public struct SAETrainingProgress {
  /// Steps done, in 0...steps.
  public let step: Int
  /// The run's steps.
  public let steps: Int
  /// The batch loss of the step just done (NaN before the first).
  public let loss: Double
  /// The reconstruction loss of the step just done (before the first: of the first).
  public let reconstruction: ReconstructionLoss
  let kernel: SAEKernel
  let template: SAE

  /// The SAE as it stands (its decoder rows unit-norm); O(k d) to build.
  public var sae: SAE {
    var s = template
    kernel.store(into: &s)
    return s
  }
}

extension SAE {
  /// The SAE after `plan.steps` Adam steps on `toy`: `trainingRun(on:_:).sae`.
  public func trained(on toy: ToyModel, _ plan: SAETrainingPlan) throws -> SAE {
    try trainingRun(on: toy, plan).sae
  }

  /// `plan.steps` Adam steps on `toy`, timed.
  ///
  /// Each step draws its batch (`plan.data`), takes the loss's gradient with the active sets
  /// held fixed, makes one Adam step and renormalises the decoder rows to unit norm (also done
  /// once before the first step). BatchTopK keeps the batch's k B largest activations (see
  /// `SAEBatchTopKSelection`; for exact data the weights are the probabilities, so the cut is
  /// the population's quantile) and moves its threshold toward the smallest kept activation,
  /// threshold += rate * (smallest - threshold), as SAELens's BatchTopKTrainingSAE and the
  /// paper's code do; the threshold starts from the SAE's. Same SAE, toy and plan give the
  /// same bits.
  /// The run stops at the first step whose batch loss or renormalised decoder is not finite
  /// (`SAETrainingRun.divergedAt`).
  /// - Parameter embedding: the features' directions when d > n; nil draws them from the
  ///   plan's seed (the first draws of the run's stream). A run that continues another (a
  ///   grown SAE, an ensemble's next member) passes the first run's embedding.
  /// - Parameter observe: called once before the first step and after every step (also the
  ///   last one before a divergence); it must not keep the progress value.
  /// - Parameter isCancelled: asked before every step; true stops the run, which throws
  ///   `CancellationError` (a server drops a run whose client left).
  /// - Throws: `FieldError` naming the field if the SAE's dimensions are not the plan's
  ///   dimension (n when nil), exact or counts is asked of a correlated toy, or a plan value
  ///   is out of range; `CancellationError` when cancelled.
  public func trainingRun(
    on toy: ToyModel, _ plan: SAETrainingPlan, embedding given: FeatureEmbedding? = nil,
    observe: ((SAETrainingProgress) -> Void)? = nil, isCancelled: (() -> Bool)? = nil
  ) throws -> SAETrainingRun {
    let n = toy.features.count
    let d = plan.dimension ?? n
    try plan.check(features: n, dimensions: dimensions, enumerable: toy.patterns != nil)
    try plan.checkOptimizer(for: activation)
    let stream = RandomStream(seed: plan.seed)
    if let given, given.dimension != d || given.basis.count != n {
      throw FieldError(
        field: "embedding", value: "",
        reason: "\(given.basis.count) features in \(given.dimension) dimensions for \(n) in \(d)")
    }
    let embedding =
      given ?? (d > n ? FeatureEmbedding(features: n, dimension: d, stream: stream) : nil)
    return try run(
      toy.patterns, toy.sampler(), basis: embedding?.basis, reported: embedding, plan,
      stream, isCancelled, observe)
  }

  /// `plan.steps` Adam steps on weighted sparse patterns over the rows of a basis, timed: the
  /// same run as `trainingRun(on:_:embedding:observe:)` on a toy, with a pattern's input
  /// x = sum_f m_f basis[f] (f may index any row: an ensemble's residual is a pattern over the
  /// features, earlier members' decoder rows and decoder biases).
  ///
  /// The stream seeded with `plan.seed` draws only the initial noise and the batches (no
  /// embedding); `plan.dimension` must be nil or the SAE's dimensions.
  /// - Parameters:
  ///   - patterns: at least one of positive weight; feature indices in 0..<basis.count.
  ///   - basis: rows of the SAE's d dimensions; nil: the unit vectors (indices in 0..<d).
  ///   - embedding: the true features' directions the run reports (its `reading`), nil when
  ///     they are the unit vectors; not used in training.
  ///   - observe, isCancelled: as for a toy.
  /// - Throws: `FieldError` naming the field if a basis row or a feature index does not fit
  ///   the SAE, no pattern has positive weight, or a plan value is out of range.
  public func trainingRun(
    on patterns: [WeightedPattern], basis: [[Double]]?, _ plan: SAETrainingPlan,
    embedding: FeatureEmbedding? = nil, observe: ((SAETrainingProgress) -> Void)? = nil,
    isCancelled: (() -> Bool)? = nil
  ) throws -> SAETrainingRun {
    let d = dimensions
    if let dimension = plan.dimension, dimension != d {
      throw FieldError(
        field: "dimension", value: "\(dimension)", reason: "for an SAE of \(d) dimensions")
    }
    if let row = basis?.firstIndex(where: { $0.count != d }) {
      throw FieldError(
        field: "basis[\(row)]", value: "", reason: "\(basis![row].count) values for \(d) dimensions"
      )
    }
    let rows = basis?.count ?? d
    for (j, p) in patterns.enumerated() {
      guard p.weight.isFinite && p.weight >= 0 else {
        throw FieldError(
          field: "patterns[\(j)].weight", value: "\(p.weight)",
          reason: "is not a finite number >= 0")
      }
      let fits = { (a: ActiveFeature) in (0..<rows).contains(a.feature) && a.magnitude.isFinite }
      if let a = p.active.first(where: { !fits($0) }) {
        throw FieldError(
          field: "patterns[\(j)]", value: "",
          reason: "feature \(a.feature) at \(a.magnitude) is not one of \(rows) rows "
            + "at a finite magnitude")
      }
    }
    guard patterns.contains(where: { $0.weight > 0 }) else {
      throw FieldError(field: "patterns", value: "", reason: "none has a positive weight")
    }
    try plan.checkValues(enumerable: true)
    try plan.checkOptimizer(for: activation)
    return try run(
      patterns, nil, basis: basis, reported: embedding, plan, RandomStream(seed: plan.seed),
      isCancelled, observe)
  }

  /// The one training loop of both entries: `patterns` (enumerable) or `sampler` (sampled)
  /// over the rows of `basis`, the stream already past any embedding draw.
  private func run(
    _ patterns: [WeightedPattern]?, _ sampler: (any FiringSampler)?, basis: [[Double]]?,
    reported embedding: FeatureEmbedding?, _ plan: SAETrainingPlan, _ stream: RandomStream,
    _ isCancelled: (() -> Bool)?, _ observe: ((SAETrainingProgress) -> Void)?
  ) throws(CancellationError) -> SAETrainingRun {
    var sae = self
    let kernel = sae.startingKernel(plan, basis, stream)
    var divergedAt: Int? = kernel.normaliseDecoderRows() ? nil : 0

    // Exact data's one batch, or every step's when the batches are drawn inline.
    let ownBatch = PatternBatch()
    let distribution = patterns.map { PatternDistribution($0, batch: plan.batch) }
    if plan.data == .exact { distribution!.drawExact(into: ownBatch) }

    func reconstruction(atStep t: Int) -> ReconstructionLoss { plan.reconstruction(atStep: t) }
    if plan.optimizer == .lbfgs && divergedAt == nil && patterns != nil {
      return try minimisedRun(kernel, ownBatch, plan, reported: embedding, isCancelled, observe)
    }
    if let observe {
      observe(
        SAETrainingProgress(
          step: 0, steps: plan.steps, loss: .nan, reconstruction: reconstruction(atStep: 0),
          kernel: kernel, template: sae))
    }
    let timed = plan.timesPhases
    kernel.timesPhases = timed
    var adamTime: UInt64 = 0
    var stepping: UInt64 = 0
    var distinct = 0
    var stepsDone = 0
    let steps = divergedAt == nil ? plan.steps : 0
    // Counts and samples: the next batch is drawn on a second thread while a step runs
    // (`SAEBatchPrefetch`: the same draws in the same order, so the same bits).
    let prefetch =
      plan.data == .exact || steps == 0 || !plan.drawsAhead
      ? nil
      : SAEBatchPrefetch(steps: steps) { Self.draw(plan, distribution, sampler, stream, into: $0) }
    var drawingSeconds = 0.0
    var inlineDrawing: UInt64 = 0
    let start = Self.now()
    defer { if let prefetch { _ = prefetch.finish() } }
    for t in 0..<steps {
      if let isCancelled, isCancelled() { throw CancellationError() }
      if prefetch == nil && plan.data != .exact {
        let t0 = timed ? Self.now() : 0
        Self.draw(plan, distribution, sampler, stream, into: ownBatch)
        if timed { inlineDrawing += Self.now() - t0 }
      }
      let batch = prefetch?.batch() ?? ownBatch
      let t1 = timed ? Self.now() : 0
      distinct += batch.count
      kernel.reconstruction = reconstruction(atStep: t)
      let loss = kernel.loss(batch)
      guard loss.isFinite else {
        divergedAt = t
        break
      }
      let t2 = timed ? Self.now() : 0
      kernel.adam(
        learningRate: plan.learningRate, beta1: plan.beta1, beta2: plan.beta2,
        epsilon: plan.epsilon)
      let finite = kernel.normaliseDecoderRows()
      Self.moveThreshold(kernel, rate: plan.thresholdLearningRate)
      if timed {
        let t3 = Self.now()
        stepping += t3 - t1
        adamTime += t3 - t2
      }
      stepsDone = t + 1
      if let observe {
        observe(
          SAETrainingProgress(
            step: t + 1, steps: plan.steps, loss: loss, reconstruction: kernel.reconstruction,
            kernel: kernel, template: sae))
      }
      guard finite else {
        divergedAt = t
        break
      }
    }
    drawingSeconds = prefetch?.finish() ?? Double(inlineDrawing) * 1e-9
    let end = Self.now()
    kernel.store(into: &sae)
    return SAETrainingRun(
      sae: sae, embedding: embedding, seconds: Double(end - start) * 1e-9,
      samplingSeconds: timed ? drawingSeconds : 0, gradientSeconds: Double(stepping) * 1e-9,
      samples: plan.data == .exact ? 0 : stepsDone * plan.batch,
      distinctPatterns: stepsDone > 0 ? Double(distinct) / Double(stepsDone) : 0,
      divergedAt: divergedAt,
      phases: timed
        ? SAETrainingPhases(
          waiting: Double(prefetch?.waiting ?? 0) * 1e-9, forward: kernel.forwardSeconds,
          backward: kernel.backwardSeconds, adam: Double(adamTime) * 1e-9) : nil)
  }

  /// The minimiser's run (`SAEKernel.minimise`) from `kernel` over every pattern at once.
  private func minimisedRun(
    _ kernel: SAEKernel, _ batch: PatternBatch, _ plan: SAETrainingPlan,
    reported embedding: FeatureEmbedding?, _ isCancelled: (() -> Bool)?,
    _ observe: ((SAETrainingProgress) -> Void)?
  ) throws(CancellationError) -> SAETrainingRun {
    let template = self
    // Snap: MSE to a stationary point, then L2 from there; one phase otherwise.
    let phases: [ReconstructionLoss] = plan.loss == .snap ? [.mse, .l2] : [plan.finalReconstruction]
    let steps = plan.steps * phases.count
    kernel.reconstruction = phases[0]
    observe?(
      SAETrainingProgress(
        step: 0, steps: steps, loss: .nan, reconstruction: kernel.reconstruction,
        kernel: kernel, template: template))
    let start = Self.now()
    var outcome: SAEMinimisation?
    for phase in phases {
      kernel.reconstruction = phase
      // A later phase starts as a new run from the SAE stored so far would: rows renormalised.
      if outcome != nil { kernel.normaliseDecoderRows() }
      let before = outcome
      let done = before?.iterations ?? 0
      var next = try kernel.minimise(
        batch, iterations: plan.steps, tolerance: plan.gradientTolerance,
        isCancelled: isCancelled
      ) { step, loss in
        observe?(
          SAETrainingProgress(
            step: done + step, steps: steps, loss: loss, reconstruction: kernel.reconstruction,
            kernel: kernel, template: template))
      }
      if let before {
        next.iterations += before.iterations
        next.evaluations += before.evaluations
      }
      outcome = next
      if !next.loss.isFinite { break }
    }
    let end = Self.now()
    let final = outcome!  // phases is never empty
    var sae = self
    kernel.store(into: &sae)
    return SAETrainingRun(
      sae: sae, embedding: embedding, seconds: Double(end - start) * 1e-9, samplingSeconds: 0,
      gradientSeconds: 0, samples: 0, distinctPatterns: Double(batch.count),
      divergedAt: final.loss.isFinite ? nil : final.iterations, minimisation: final)
  }

  /// The kernel a run starts from over the rows of `basis`: the SAE with the plan's initial
  /// noise on its decoder (drawn from `stream` after the embedding), the plan's penalty and
  /// frozen biases.
  private mutating func startingKernel(
    _ plan: SAETrainingPlan, _ basis: [[Double]]?, _ stream: RandomStream
  ) -> SAEKernel {
    if plan.initialNoise > 0 {
      for c in decoder.indices { decoder[c] += plan.initialNoise * stream.gaussian() }
    }
    let kernel = SAEKernel(self, basis: basis)
    kernel.l1 = plan.l1
    kernel.trainsEncoderBias = plan.trainsEncoderBias
    kernel.trainsDecoderBias = plan.trainsDecoderBias
    if case .batchTopK = activation { kernel.batchSelection = true }
    return kernel
  }

  /// One step's batch (`plan.data`): exact data stays as drawn once; counts and samples are
  /// drawn anew from `stream`.
  private static func draw(
    _ plan: SAETrainingPlan, _ distribution: PatternDistribution?,
    _ sampler: (any FiringSampler)?, _ stream: RandomStream, into batch: PatternBatch
  ) {
    switch plan.data {
    case .exact: break
    case .counts: distribution!.drawCounts(plan.batch, stream, into: batch)
    case .samples:
      if let sampler {
        sampler.draw(plan.batch, stream, into: batch)
      } else {
        distribution!.drawSamples(plan.batch, stream, into: batch)
      }
    }
  }

  /// BatchTopK: threshold <- (1 - rate) threshold + rate * (the step's smallest kept
  /// activation), as SAELens's BatchTopKTrainingSAE.
  private static func moveThreshold(_ kernel: SAEKernel, rate: Double) {
    if kernel.batchSelection, case .batchTopK(let top, let threshold) = kernel.activation,
      let smallest = kernel.smallestKept
    {
      kernel.activation = .batchTopK(k: top, threshold: (1 - rate) * threshold + rate * smallest)
    }
  }

  /// Monotonic nanoseconds.
  private static func now() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
  }
}

extension SAETrainingPlan {
  /// The features' embedding a run with this plan trains in: n features in `dimension`
  /// dimensions, drawn as the run draws it (the first draws of the stream seeded with `seed`);
  /// nil when d = n (feature coordinates).
  public func embedding(features n: Int) -> FeatureEmbedding? {
    guard let d = dimension, d > n else { return nil }
    return FeatureEmbedding(features: n, dimension: d, seed: seed)
  }

  /// Checks the plan against a toy of n features and an SAE of `saeDimensions` dimensions.
  ///
  /// - Throws: `FieldError` naming the field if the SAE's dimensions are not the plan's
  ///   dimension (n when nil), exact or counts is asked of a sampled toy, or a value is out of
  ///   range.
  public func check(features n: Int, dimensions saeDimensions: Int, enumerable: Bool) throws {
    let d = dimension ?? n
    if let dimension = dimension, dimension < n || dimension > 100_000 {
      throw FieldError(
        field: "dimension", value: "\(dimension)",
        reason: "is not in \(n)...100000 (n = \(n) features)")
    }
    guard d == saeDimensions else {
      throw FieldError(
        field: dimension == nil ? "features" : "dimension", value: "\(dimension == nil ? n : d)",
        reason: "for an SAE of \(saeDimensions) dimensions")
    }
    try checkValues(enumerable: enumerable)
  }

  /// Checks that exact or counts data has an enumerable toy, and the plan's own values.
  /// lbfgs minimises a loss with a gradient: relu or topk, not batchtopk (whose threshold
  /// is fitted along Adam's steps).
  func checkOptimizer(for activation: SAE.Activation) throws {
    if optimizer == .lbfgs, case .batchTopK = activation {
      throw FieldError(
        field: "optimizer", value: "lbfgs",
        reason: "needs a relu or topk SAE: batchtopk's threshold is fitted by Adam's steps")
    }
  }

  func checkValues(enumerable: Bool) throws {
    try checkSettings()
    if !enumerable && data != .samples {
      throw FieldError(
        field: "data", value: "\(data.rawValue)", reason: "needs an enumerable toy; use samples")
    }
  }

  /// Checks every setting against its range: the one check of the optimiser's settings, for
  /// SAE cases and single-latent cases alike. Fields are named as in a case file's `train`
  /// block (`lr: 0.0 is not a finite number > 0`).
  ///
  ///     steps 0...100_000_000, batch 1...2^32 - 1, lr in (0, 10], beta1 and beta2 in [0, 1),
  ///     epsilon finite > 0, seed 0...2^32 - 1, l1 finite >= 0, init_noise in [0, 1e6],
  ///     snap_at 0...steps (snap loss only), threshold_lr in [0, 1]
  ///
  /// A rate above 10 or noise above 1e6 is no training the paper's toys need: such a run
  /// only diverges.
  /// - Throws: `FieldError` naming the first field out of range.
  public func checkSettings() throws {
    func fail(_ field: String, _ value: Any, _ reason: String) -> FieldError {
      FieldError(field: field, value: "\(value)", reason: reason)
    }
    guard (0...100_000_000).contains(steps) else {
      throw fail("steps", steps, "is not in 0...100000000")
    }
    guard batch >= 1 && batch <= Int(UInt32.max) else {
      throw fail("batch", batch, "is not in 1...\(UInt32.max)")
    }
    guard learningRate > 0 && learningRate <= 10 else {
      throw fail("lr", learningRate, "is not in (0, 10]")
    }
    for (field, beta) in [("beta1", beta1), ("beta2", beta2)] where !(beta >= 0 && beta < 1) {
      throw fail(field, beta, "is not in [0, 1)")
    }
    guard epsilon > 0 && epsilon.isFinite else {
      throw fail("epsilon", epsilon, "is not a finite number > 0")
    }
    guard seed <= UInt64(UInt32.max) else { throw fail("seed", seed, "is not in 0...4294967295") }
    guard (1...100).contains(starts) else { throw fail("starts", starts, "is not in 1...100") }
    guard seed + UInt64(starts - 1) <= UInt64(UInt32.max) else {
      throw fail("starts", starts, "runs seeds past 4294967295 from seed \(seed)")
    }
    guard l1 >= 0 && l1.isFinite else { throw fail("l1", l1, "is not a finite number >= 0") }
    guard initialNoise >= 0 && initialNoise <= 1e6 else {
      throw fail("init_noise", initialNoise, "is not in [0, 1e6]")
    }
    if let s = snapAt {
      guard loss == .snap else { throw fail("snap_at", s, "applies to snap loss only") }
      // lbfgs runs each phase to a stationary point: no step switches it.
      guard optimizer == .lbfgs || (0...steps).contains(s) else {
        throw fail("snap_at", s, "is not in 0...\(steps) (the steps)")
      }
    }
    guard thresholdLearningRate >= 0 && thresholdLearningRate <= 1 else {
      throw fail("threshold_lr", thresholdLearningRate, "is not in [0, 1]")
    }
    guard gradientTolerance > 0 && gradientTolerance < 1 else {
      throw fail("gtol", gradientTolerance, "is not in (0, 1)")
    }
    if optimizer == .lbfgs {
      guard data == .exact else {
        throw fail(
          "optimizer", "lbfgs", "minimises the exact loss: it needs data exact, not \(data.rawValue)")
      }
    }
  }

  /// The error of a run of this plan that stopped at `step` (`SAETrainingRun.divergedAt`):
  /// one line naming the settings to lower, for one latent and many.
  public func divergence(atStep step: Int) -> FieldError {
    FieldError(
      field: "training", value: "at step \(step)",
      reason: "diverged (a loss or weight is not finite): lower --lr \(learningRate) or "
        + "--init-noise \(initialNoise)")
  }
}
