import Landscape
import SparseAutoencoders
import ToyModels

extension LossLandscape {
  /// The local minimum that descending `kind` along the path from `t` reaches.
  ///
  /// Moving downhill from t, the first turning point met is a local minimum, so the
  /// answer is the nearest local minimum in the downhill direction (the one-sided slopes
  /// at t decide it); t itself when neither side descends. t is clamped to the range.
  /// - Parameters:
  ///   - kind: the loss descended.
  ///   - t: the starting point.
  /// - Returns: nil only if the landscape has no minimum (never, for a valid case).
  public func descend(_ kind: LossKind, from t: Double) -> Minimum? {
    let t = min(max(t, source.path.tMin), source.path.tMax)
    let all = minima(kind)
    let right = slope(kind, at: t, side: 1)
    let left = slope(kind, at: t, side: -1)
    let scale = Tolerance.flatStart * max(abs(loss(kind, at: t)), Tolerance.smallestScale)
    let nearest = all.min { abs($0.t - t) < abs($1.t - t) }
    if let m = nearest, abs(m.t - t) <= Tolerance.atMinimum * max(1, abs(t)) { return m }
    if right < -scale, t < source.path.tMax {
      return all.filter { $0.t > t }.min { $0.t < $1.t } ?? nearest
    }
    if left > scale, t > source.path.tMin {
      return all.filter { $0.t < t }.max { $0.t < $1.t } ?? nearest
    }
    return nearest
  }
}

/// The analytic minimum a training should reach.
///
/// MSE training: the global MSE minimum (on a tie, the one nearest the initial t). L2
/// training: the L2 minimum whose basin holds the initial t. Snap training: the L2 minimum whose basin holds the global MSE minimum
/// (where the L2 phase starts). With learned biases the analytic case has the optimal
/// decoder bias (an encoder bias has no analytic counterpart: it is
/// compared with the same case). The optimal bias is the true minimiser at each latent
/// (`OptimalBias`), so a learned decoder bias can never beat it.
public struct TrainingTarget: Sendable {
  /// The case the minimum belongs to: the trained case, its `bias` set to `optimal`
  /// when the SAE learns biases and to `none` otherwise.
  public var analyticCase: LatentCase
  /// The loss whose minimum it is.
  public var kind: LossKind
  /// The minimum.
  public var minimum: Minimum
  /// Why this minimum, in words ("global MSE minimum", ...).
  public var reason: String

  /// - Parameters:
  ///   - source: the trained case (valid).
  ///   - options: how it is trained.
  /// - Throws: `FieldError` when the landscape has no minimum to compare with.
  public init(for source: LatentCase, options: LatentTrainingPlan) throws {
    var analytic = source
    analytic.bias = options.biases == .none ? .none : .optimal
    let landscape = LossLandscape(analytic)
    let mseMinima = landscape.globalMinima(.mse)
    guard
      let mse = mseMinima.min(by: { abs($0.t - options.initialT) < abs($1.t - options.initialT) })
    else {
      throw FieldError(field: "case", value: source.name, reason: "has no MSE minimum on its path")
    }
    let biasNote = analytic.bias == .optimal ? " (optimal bias)" : ""
    analyticCase = analytic
    switch options.sae.loss {
    case .mse:
      kind = .mse
      minimum = mse
      reason = "global MSE minimum" + biasNote
    case .l2, .snap:
      kind = .l2
      let start = options.sae.loss == .l2 ? options.initialT : mse.t
      guard let m = landscape.descend(.l2, from: start) else {
        throw FieldError(field: "case", value: source.name, reason: "has no L2 minimum on its path")
      }
      minimum = m
      reason =
        options.sae.loss == .l2
        ? "L2 minimum descended from the initial t = \(start)" + biasNote
        : "L2 minimum descended from the MSE minimum t = \(shortNumber(start))" + biasNote
    }
  }
}

/// A training compared with its analytic minimum: what `landscape validate` reports.
public struct LatentTrainingCheck: Sendable {
  /// The minimum the training should reach.
  public var target: TrainingTarget
  /// The training, run on `target.analyticCase`.
  /// The case's `train` block the run followed.
  public var plan: LatentTrainingPlan
  public var result: LatentTrainingRun
  /// The allowed |trained t - analytic t| (the plan's `tolerance`).
  public var tolerance: Double

  /// |trained t - analytic t|. With the optimal bias the MSE of l and -l is the same
  /// (it is tr(Sigma) - l^T Sigma l), so the learned latent is compared up to sign: the
  /// smaller difference of the path's t nearest to l and to -l.
  public var difference: Double {
    let direct = abs(result.t - target.minimum.t)
    guard target.analyticCase.bias == .optimal, target.kind == .mse,
      target.analyticCase.penalty.coefficient == 0
    else { return direct }
    let flipped = target.analyticCase.path.nearestT(to: result.latent.map { -$0 })
    return min(direct, abs(flipped.t - target.minimum.t))
  }
  /// Whether the difference is within the tolerance.
  public var passed: Bool { difference <= tolerance }

  /// Trains a case as its `train` block says and finds its analytic minimum.
  ///
  /// - Parameters:
  ///   - source: a valid case.
  ///   - plan: its `train` block.
  ///   - progress: passed to `LatentCase.trainingRun`.
  /// - Throws: `FieldError` when the block's settings are bad.
  public init(
    _ source: LatentCase, plan: LatentTrainingPlan, progress: ((LatentTrainingProgress) -> Void)? = nil
  ) throws {
    self.plan = plan
    let options = try LatentTrainingPlan(for: source, plan: plan)
    target = try TrainingTarget(for: source, options: options)
    result = try target.analyticCase.trainingRun(options, progress: progress)
    tolerance = plan.tolerance
  }
}

/// A number rounded to 6 decimals, for messages.
func shortNumber(_ x: Double) -> String {
  let rounded = (x * 1e6).rounded() / 1e6
  return "\(rounded)"
}
