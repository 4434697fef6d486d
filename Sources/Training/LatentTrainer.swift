import Landscape
import SparseAutoencoders
import ToyModels

/// Trains a tied single-latent SAE with Adam on activations drawn from a case: the
/// many-latent trainer (`SAE.trainingRun(on:_:observe:)`) on a tied relu SAE of one latent,
/// read back onto the case's path.
///
/// The case's patterns (and "nothing fires", x = 0) are the toy (`LatentCase.toyModel`), embedded in
/// R^d by a seeded random orthonormal basis when d exceeds the number of features. The latent
/// is the decoder row, kept unit-norm after every step; the SAE starts from
///
///     row = (1 - t) u + t v at the initial t, embedded, plus Gaussian noise (sd init_noise),
///
/// its biases at zero and trained only as `LatentTrainingPlan.biases` says. Each step draws the
/// batch's pattern counts (one multinomial, so a step costs O(patterns d), not O(B d)) or every
/// sample (the reference). One MT19937 stream is consumed in a fixed order (basis, initial
/// noise, the batches), so a run is reproducible bit for bit from its seed.
struct LatentTrainer: Sendable {
  /// The case whose activations are sampled.
  let source: LatentCase
  /// How to train.
  let options: LatentTrainingPlan

  /// - Parameters:
  ///   - source: the case (validated again here).
  ///   - options: the settings (validated here).
  /// - Throws: `FieldError` naming the first bad case field or option.
  init(_ source: LatentCase, options: LatentTrainingPlan) throws {
    try source.validate()
    try options.validate(featureCount: source.features.count)
    self.source = source
    self.options = options
  }

  /// A trainer with a case's `train` block (nil: the defaults) and its L1 penalty.
  init(_ source: LatentCase, plan: LatentTrainingPlan?) throws {
    try self.init(source, options: LatentTrainingPlan(for: source, plan: plan))
  }

  /// Runs the training unless cancelled: `isCancelled` is asked before every step, and true
  /// stops the run (a server drops a run whose client left).
  /// - Throws: `CancellationError` when cancelled.
  func run(
    progress: ((LatentTrainingProgress) -> Void)? = nil, isCancelled: @escaping () -> Bool
  ) throws(CancellationError) -> LatentTrainingRun {
    let k = source.features.count
    let d = options.sae.dimension ?? k
    // The trainer draws the same basis first from its stream.
    let embedding = d > k ? FeatureEmbedding(features: k, dimension: d, seed: options.sae.seed) : nil
    let toy = source.toyModel
    let patterns = toy.patterns ?? []
    let direction = source.path.direction(at: options.initialT)
    // One row of d >= 1 values and d biases: the SAE's sizes are right by construction.
    let initial = try! SAE(
      decoder: [embedding?.embed(direction) ?? direction],
      decoderBias: [Double](repeating: 0, count: d))

    let steps = options.sae.steps
    let progressEvery = max(1, steps / 100)
    let trajectoryEvery = options.trajectoryInterval ?? 0
    var trajectory: [TrajectoryPoint] = []
    if trajectoryEvery > 0 { trajectory.reserveCapacity(steps / trajectoryEvery + 2) }
    func point(_ sae: SAE, step: Int) -> TrajectoryPoint {
      let kind = options.lossKind(atStep: min(step, steps - 1))
      let nearest = source.path.nearestT(to: embedding?.project(sae.decoder) ?? sae.decoder)
      return TrajectoryPoint(
        step: step, t: nearest.t, loss: exactLoss(sae, kind, patterns, embedding), kind: kind)
    }
    let observe: ((SAETrainingProgress) -> Void)?
    if trajectoryEvery > 0 || progress != nil {
      observe = { p in
        if trajectoryEvery > 0 && p.step < steps && p.step % trajectoryEvery == 0 {
          trajectory.append(point(p.sae, step: p.step))
        }
        if let progress, p.step > 0, p.step % progressEvery == 0 || p.step == steps {
          progress(
            LatentTrainingProgress(
              step: p.step, steps: steps, kind: p.reconstruction == .mse ? .mse : .l2,
              batchLoss: p.loss))
        }
      }
    } else {
      observe = nil
    }
    let run: SAETrainingRun
    do {
      run = try initial.trainingRun(on: toy, options.sae, observe: observe, isCancelled: isCancelled)
    } catch let e as CancellationError {
      throw e
    } catch {
      // The options were validated against the same ranges the plan is checked on.
      fatalError("a validated plan was refused: \(error)")
    }
    if trajectoryEvery > 0 { trajectory.append(point(run.sae, step: steps)) }
    return result(run, embedding: embedding, patterns: patterns, trajectory: trajectory)
  }

  /// The exact expected loss of an SAE over the case's patterns, its biases included.
  private func exactLoss(
    _ sae: SAE, _ kind: LossKind, _ patterns: [WeightedPattern], _ embedding: FeatureEmbedding?
  ) -> Double {
    sae.expectedLoss(patterns, kind == .mse ? .mse : .l2, l1: options.sae.l1, basis: embedding?.basis)
  }

  /// What a run learned, read back onto the case: the latent's feature coordinates, the
  /// path's nearest t, the exact losses and the speed of the step loop.
  ///
  /// `divergedAt` is the run's, or `steps` when the final latent has no finite part in the
  /// features' span.
  private func result(
    _ run: SAETrainingRun, embedding: FeatureEmbedding?, patterns: [WeightedPattern],
    trajectory: [TrajectoryPoint]
  ) -> LatentTrainingRun {
    let sae = run.sae
    var divergedAt = run.divergedAt
    let projected = embedding?.project(sae.decoder) ?? sae.decoder
    let inPlane = dot(projected, projected).squareRoot()
    if divergedAt == nil && !(inPlane.isFinite && inPlane > 0) { divergedAt = options.sae.steps }
    let unit = projected.map { $0 / inPlane }
    let nearest = source.path.nearestT(to: projected)
    let kind = options.finalLossKind
    let exact = source.losses(atLatent: unit)
    let samples = Double(options.sae.steps) * Double(options.sae.batch)
    return LatentTrainingRun(
      sae: sae, embedding: embedding, dimension: sae.dimensions, latent: projected,
      t: nearest.t, cosine: nearest.cosine,
      decoderBias: options.biases != .none
        ? (embedding?.project(sae.decoderBias) ?? sae.decoderBias) : nil,
      encoderBias: options.biases == .both ? sae.encoderBias[0] : nil,
      lossKind: kind, loss: kind == .mse ? exact.mse : exact.l2,
      saeLoss: exactLoss(sae, kind, patterns, embedding), seconds: run.seconds,
      samplesPerSecond: samples / max(run.seconds, Tolerance.shortestRun),
      trajectory: trajectory, divergedAt: divergedAt, minimisation: run.minimisation)
  }
}

extension LatentCase {
  /// Trains the case's single latent as `plan` says: a tied relu SAE of one latent, started on
  /// the path at `plan.initialT`, through the many-latent trainer (`LatentTrainer`; the
  /// many-latent half's entry is `SAE.trainingRun(on:_:observe:isCancelled:)`).
  ///
  /// - Parameters:
  ///   - plan: the settings (validated here, with the case).
  ///   - progress: called every steps / 100 steps (at least every step) with how far the run
  ///     is.
  ///   - isCancelled: asked before every step; true stops the run.
  /// - Throws: `FieldError` naming the first bad case field or setting; `CancellationError`.
  public func trainingRun(
    _ plan: LatentTrainingPlan, progress: ((LatentTrainingProgress) -> Void)? = nil,
    isCancelled: @escaping () -> Bool = { false }
  ) throws -> LatentTrainingRun {
    try LatentTrainer(self, options: plan).run(progress: progress, isCancelled: isCancelled)
  }
}

/// How far a run is, for a progress display.
public struct LatentTrainingProgress: Sendable, Hashable {
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
public struct LatentTrainingRun: Sendable, Hashable {
  /// The trained SAE, in R^d: one latent, tied, relu, its decoder row unit-norm.
  public var sae: SAE
  /// The embedding the run used; nil when d is the number of features (the features are the
  /// coordinates).
  public var embedding: FeatureEmbedding?
  /// The SAE's dimension d.
  public var dimension: Int
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
  /// features' span) with the case's own decoder-bias setting: `LatentCase.losses(atLatent:)`.
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
  /// lbfgs: what the minimiser did; nil for Adam.
  public var minimisation: SAEMinimisation? = nil
}
