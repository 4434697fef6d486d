import Landscape
import _CGSL

/// Trains a tied single-latent SAE with Adam on activations sampled from a case.
///
/// Each step draws a batch of B activations: pattern j with probability pi_j, "nothing
/// fires" (x = 0) with the rest, each pattern embedded in R^d by a seeded random
/// orthonormal basis. Every sample of one pattern is the same vector, so the batch mean
///
///     (1/B) sum_s grad loss(x_s) = sum_j (n_j / B) grad loss(x_j)
///
/// depends only on the counts n_j, which are multinomial(B; pi_1, .., pi_J, pi_nothing):
/// one `gsl_ran_multinomial` draw replaces B pattern draws, and a step costs
/// O(patterns * d) instead of O(B d). (`TrainingOptions.Sampling.samples` draws every
/// sample instead, as the reference.) The random stream (MT19937, seeded) is consumed in
/// a fixed order (basis, initial noise, one multinomial per step), so a run is
/// reproducible bit for bit from its seed.
public struct Trainer: Sendable {
  /// The case whose activations are sampled.
  public let source: Case
  /// How to train.
  public let options: TrainingOptions

  /// - Parameters:
  ///   - source: the case (validated again here).
  ///   - options: the settings (validated here).
  /// - Throws: `CaseError` naming the first bad case field or option.
  public init(_ source: Case, options: TrainingOptions) throws {
    try source.validate()
    try options.validate(featureCount: source.features.count)
    self.source = source
    self.options = options
  }

  /// A trainer with the case's own `train` block (or the defaults) and L1 penalty.
  public init(_ source: Case) throws {
    try self.init(source, options: TrainingOptions(for: source))
  }

  /// Runs the training.
  ///
  /// - Parameter progress: called every steps / 100 steps (at least every step) with
  ///   how far the run is; it must not be used to stop the run.
  /// - Returns: the learned SAE and what it means on the case's path.
  public func run(progress: ((TrainingProgress) -> Void)? = nil) -> TrainingResult {
    let k = source.features.count
    let d = options.dimension ?? k
    let random = RandomSource(seed: options.seed)
    let embedding = FeatureEmbedding(featureCount: k, dimension: d, random: random)
    let sampler = BatchSampler(source, embedding: embedding, options: options)
    var state = KernelState(dimension: d)
    state.load(initialSAE(embedding, random: random))
    var adam = Adam(dimension: d, options: options)

    let steps = options.steps
    let switchStep = options.loss == .snap ? options.switchStep : (options.loss == .mse ? steps : 0)
    let progressEvery = max(1, steps / 100)
    let trajectoryEvery = options.trajectoryInterval ?? 0
    var trajectory: [TrajectoryPoint] = []
    if trajectoryEvery > 0 { trajectory.reserveCapacity(steps / trajectoryEvery + 2) }

    func record(step: Int) {
      let kind = options.lossKind(atStep: min(step, steps - 1))
      let sae = state.sae()
      let nearest = source.path.nearestT(to: embedding.project(sae.latent))
      trajectory.append(
        TrajectoryPoint(
          step: step, t: nearest.t, loss: sampler.expectedLoss(sae, kind, l1: options.l1),
          kind: kind))
    }

    let clock = ContinuousClock()
    let start = clock.now
    var divergedAt: Int? = nil
    // Initial weights whose norm overflows normalise to nothing.
    let initial = state.sae().latent
    let norm = dot(initial, initial)
    if !(norm.isFinite && norm > 0) { divergedAt = 0 }
    for step in 0..<(divergedAt == nil ? steps : 0) {
      if trajectoryEvery > 0 && step % trajectoryEvery == 0 { record(step: step) }
      let kind: LossKind = step < switchStep ? .mse : .l2
      state.normalise()
      let batchLoss = sampler.accumulateBatch(
        into: &state, random: random, kind: kind, l1: options.l1)
      if !batchLoss.isFinite {
        divergedAt = step
        break
      }
      state.finishGradient()
      adam.update(&state)
      if let progress, (step + 1) % progressEvery == 0 || step + 1 == steps {
        progress(TrainingProgress(step: step + 1, steps: steps, kind: kind, batchLoss: batchLoss))
      }
    }
    let elapsed = clock.now - start
    state.normalise()
    if trajectoryEvery > 0 { record(step: steps) }
    return result(
      state.sae(), embedding: embedding, sampler: sampler, elapsed: elapsed,
      trajectory: trajectory, divergedAt: divergedAt)
  }

  /// The SAE a run starts from: w = (1 - t) u + t v at the initial t, embedded, plus
  /// Gaussian noise of the initial standard deviation in each of its d components; the
  /// biases it learns start at zero.
  private func initialSAE(_ embedding: FeatureEmbedding, random: RandomSource) -> TiedSAE {
    let d = embedding.dimension
    var w = embedding.embed(source.path.direction(at: options.initialT))
    if options.initialNoise > 0 {
      for i in 0..<d { w[i] += options.initialNoise * random.gaussian() }
    }
    return TiedSAE(
      weights: w, decoderBias: options.biases != .none ? [Double](repeating: 0, count: d) : nil,
      encoderBias: options.biases == .both ? 0 : nil)
  }

  /// What a run learned, read back onto the case: the latent's feature coordinates, the
  /// path's nearest t, the exact losses and the speed of the step loop.
  ///
  /// - Parameter divergedAt: the step where the run stopped on a loss that was not finite;
  ///   `steps` is recorded too when the final latent has no finite part in the features'
  ///   span.
  private func result(
    _ sae: TiedSAE, embedding: FeatureEmbedding, sampler: borrowing BatchSampler,
    elapsed: Duration, trajectory: [TrajectoryPoint], divergedAt: Int?
  ) -> TrainingResult {
    var divergedAt = divergedAt
    let projected = embedding.project(sae.latent)
    let inPlane = dot(projected, projected).squareRoot()
    if divergedAt == nil && !(inPlane.isFinite && inPlane > 0) { divergedAt = options.steps }
    let unit = projected.map { $0 / inPlane }
    let nearest = source.path.nearestT(to: projected)
    let kind = options.finalLossKind
    let exact = source.losses(atLatent: unit)
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let samples = Double(options.steps) * Double(options.batch)
    return TrainingResult(
      sae: sae, embedding: embedding, latent: projected, t: nearest.t, cosine: nearest.cosine,
      decoderBias: sae.decoderBias.map(embedding.project), encoderBias: sae.encoderBias,
      lossKind: kind, loss: kind == .mse ? exact.mse : exact.l2,
      saeLoss: sampler.expectedLoss(sae, kind, l1: options.l1), seconds: seconds,
      samplesPerSecond: samples / max(seconds, Tolerance.shortestRun), trajectory: trajectory,
      divergedAt: divergedAt)
  }
}

/// The events a batch is drawn from, the case's patterns embedded in R^d and then
/// "nothing fires" (x = 0), with their probabilities; and the draw of one batch.
///
/// Counts (the default): one multinomial draw of the B samples' pattern counts, then one
/// gradient per pattern, times its count. Samples (the reference): B draws from GSL's
/// table, one gradient each. Noncopyable: it owns its buffers and the table, freed by
/// `deinit`.
struct BatchSampler: ~Copyable {
  let d: Int
  /// The patterns, then "nothing fires".
  let categories: Int
  /// Event j's activation is `activations[j * d ..< (j + 1) * d]`.
  let activations: UnsafeMutableBufferPointer<Double>
  let probabilities: UnsafeMutableBufferPointer<Double>
  /// Scratch: the counts of the last multinomial draw.
  let counts: UnsafeMutableBufferPointer<UInt32>
  /// The per-sample reference sampler's table; nil when the counts are drawn.
  let table: UnsafeMutablePointer<gsl_ran_discrete_t>?
  /// B.
  let batch: Int
  let inverseBatch: Double

  /// - Parameters:
  ///   - source: a valid case (probabilities >= 0, not all 0 with "nothing fires").
  ///   - embedding: the features' embedding in R^d.
  ///   - options: the batch size and how a batch is drawn.
  init(_ source: Case, embedding: FeatureEmbedding, options: TrainingOptions) {
    let d = embedding.dimension
    self.d = d
    categories = source.patterns.count + 1
    activations = .allocate(capacity: categories * d)
    probabilities = .allocate(capacity: categories)
    counts = .allocate(capacity: categories)
    activations.initialize(repeating: 0)
    counts.initialize(repeating: 0)
    for (j, pattern) in source.patterns.enumerated() {
      let x = embedding.embed(pattern.magnitudes)
      for i in 0..<d { activations[j * d + i] = x[i] }
      probabilities[j] = pattern.probability
    }
    probabilities[categories - 1] = source.nothingProbability
    table =
      options.sampling == .samples
      ? gsl_ran_discrete_preproc(categories, probabilities.baseAddress) : nil
    if options.sampling == .samples && table == nil {
      fatalError("gsl_ran_discrete_preproc failed")
    }
    batch = options.batch
    inverseBatch = 1 / Double(options.batch)
  }

  deinit {
    activations.deallocate()
    probabilities.deallocate()
    counts.deallocate()
    if let table { gsl_ran_discrete_free(table) }
  }

  /// Draws one batch and adds its mean loss's gradient to `state` (`KernelState.accumulate`
  /// per event, weighted by its share of the batch); returns the batch mean loss.
  @inline(__always) func accumulateBatch(
    into state: inout KernelState, random: RandomSource, kind: LossKind, l1: Double
  ) -> Double {
    var batchLoss = 0.0
    if let table {
      for _ in 0..<batch {
        let j = random.discrete(table)
        batchLoss += state.accumulate(
          x: activations.baseAddress! + j * d, weight: inverseBatch, kind: kind, l1: l1)
      }
    } else {
      random.multinomial(
        UInt32(batch), probabilities: probabilities.baseAddress!, counts: counts.baseAddress!,
        categories: categories)
      for j in 0..<categories where counts[j] > 0 {
        batchLoss += state.accumulate(
          x: activations.baseAddress! + j * d, weight: Double(counts[j]) * inverseBatch,
          kind: kind, l1: l1)
      }
    }
    return batchLoss
  }

  /// The exact expected loss of an SAE over the events: sum_j pi_j loss(x_j).
  func expectedLoss(_ sae: TiedSAE, _ kind: LossKind, l1: Double) -> Double {
    var state = KernelState(dimension: d)
    state.load(sae)
    var total = 0.0
    for j in 0..<categories where probabilities[j] > 0 {
      total += state.accumulate(
        x: activations.baseAddress! + j * d, weight: probabilities[j], kind: kind, l1: l1)
    }
    return total
  }
}

/// Adam's moment estimates for w, b_dec and b_enc, preallocated.
///
/// Noncopyable, like `KernelState`: it owns its buffers, allocated once and freed by
/// `deinit`.
struct Adam: ~Copyable {
  let d: Int
  let learningRate, beta1, beta2, epsilon: Double
  let m: UnsafeMutableBufferPointer<Double>
  let v: UnsafeMutableBufferPointer<Double>
  var mEncoder = 0.0, vEncoder = 0.0
  /// beta1^t and beta2^t.
  var power1 = 1.0, power2 = 1.0

  /// Buffers of 2 d moments each (w, then b_dec), zeroed.
  init(dimension d: Int, options: TrainingOptions) {
    self.d = d
    learningRate = options.learningRate
    beta1 = options.beta1
    beta2 = options.beta2
    epsilon = options.epsilon
    m = .allocate(capacity: 2 * max(d, 1))
    v = .allocate(capacity: 2 * max(d, 1))
    m.initialize(repeating: 0)
    v.initialize(repeating: 0)
  }

  deinit {
    m.deallocate()
    v.deallocate()
  }

  /// One Adam step on the parameters from the gradient the kernel holds:
  ///
  ///     m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2
  ///     theta -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
  @inline(__always) mutating func update(_ state: inout KernelState) {
    power1 *= beta1
    power2 *= beta2
    let stepSize = learningRate / (1 - power1)
    let correction2 = 1 / (1 - power2)
    let b1 = beta1
    let b2 = beta2
    let c1 = 1 - beta1
    let c2 = 1 - beta2
    let eps = epsilon
    @inline(__always) func move(_ g: Double, _ m: inout Double, _ v: inout Double) -> Double {
      m = b1 * m + c1 * g
      v = b2 * v + c2 * g * g
      return stepSize * m / ((v * correction2).squareRoot() + eps)
    }
    for i in 0..<d { state.w[i] -= move(state.gradW[i], &m[i], &v[i]) }
    if state.hasDecoder {
      for i in 0..<d { state.decoder[i] -= move(state.gradDecoder[i], &m[d + i], &v[d + i]) }
    }
    if state.hasEncoder { state.encoder -= move(state.gradEncoder, &mEncoder, &vEncoder) }
  }
}

/// How far a run is, for a progress display.
public struct TrainingProgress: Sendable, Hashable {
  /// Steps done, in 1...steps.
  public var step: Int
  /// The run's total steps.
  public var steps: Int
  /// The loss of the step just done.
  public var kind: LossKind
  /// That step's batch mean loss.
  public var batchLoss: Double
}

/// One point of a run's trajectory.
public struct TrajectoryPoint: Sendable, Hashable {
  /// Steps done before this point (0: the initial SAE).
  public var step: Int
  /// The path's t closest to the latent.
  public var t: Double
  /// The exact expected loss (`kind`) of the SAE as it stands, its learned biases
  /// included.
  public var loss: Double
  /// The loss the next step trains on (for the final point, the last phase's).
  public var kind: LossKind
}

/// What a run learned.
public struct TrainingResult: Sendable, Hashable {
  /// The trained SAE, in R^d.
  public var sae: TiedSAE
  /// The embedding the run used.
  public var embedding: FeatureEmbedding
  /// The unit latent l in feature coordinates (e_f . l); its norm is below 1 when l has
  /// a part outside the features' span.
  public var latent: [Double]
  /// The t on the case's path whose latent is closest to l, in [tMin, tMax].
  public var t: Double
  /// The cosine between l and l(t).
  public var cosine: Double
  /// b_dec in feature coordinates, or nil without a decoder bias.
  public var decoderBias: [Double]?
  /// b_enc, or nil without an encoder bias.
  public var encoderBias: Double?
  /// The loss reported: MSE for MSE training, L2 for L2 and snap.
  public var lossKind: LossKind
  /// The exact expected loss (`lossKind`) of the learned latent (normalised within the
  /// features' span) with the case's own decoder-bias setting: `Case.losses(atLatent:)`.
  public var loss: Double
  /// The exact expected loss (`lossKind`) of the trained SAE itself, its learned
  /// biases included.
  public var saeLoss: Double
  /// Wall-clock seconds of the step loop.
  public var seconds: Double
  /// steps * batch / seconds.
  public var samplesPerSecond: Double
  /// (step, t, loss) every `trajectoryInterval` steps and at the end; empty when not asked.
  public var trajectory: [TrajectoryPoint]
  /// The first step (0-based) whose batch loss or weights were not finite: training
  /// stopped there, and the other fields describe a diverged SAE. Nil when it did not.
  public var divergedAt: Int? = nil
}
