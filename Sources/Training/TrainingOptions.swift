import Landscape
import SparseAutoencoders
import ToyModels

/// How a single-latent case is trained: the loss, Adam's settings, the seed, the embedding, the
/// starting point, and what `landscape validate` checks of the run.
///
/// A case file's `train` block is read into these options (`CaseDocument.landscape`); the
/// command line's flags change them afterwards. `validate(featureCount:)` checks them, the
/// optimiser's settings through the SAE trainer's one check.
public struct TrainingOptions: Sendable, Hashable {
  /// The reconstruction loss trained on.
  public enum Loss: String, Sendable, Hashable, CaseIterable { case mse, l2, snap }
  /// Which biases the trained SAE has.
  public enum Biases: String, Sendable, Hashable, CaseIterable { case none, decoder, both }

  /// The loss trained on: MSE, L2, or snap (MSE before `switchStep`, L2 from it on).
  public var loss: Loss = .mse
  /// Adam steps, in 1...100_000_000.
  public var steps: Int = 3000
  /// Samples per batch B, in 1...4_294_967_295 (GSL counts in 32 bits).
  public var batch: Int = 4096
  /// Adam's learning rate, finite and > 0.
  public var learningRate: Double = 0.003
  /// Adam's first-moment decay beta1, in [0, 1).
  public var beta1: Double = 0.9
  /// Adam's second-moment decay beta2, in [0, 1).
  public var beta2: Double = 0.999
  /// Adam's epsilon, finite and > 0.
  public var epsilon: Double = 1e-8
  /// The seed of GSL's MT19937 generator, in 0...4_294_967_295 (GSL maps 0 to its
  /// default seed 4357).
  public var seed: UInt64 = 1
  /// The embedding dimension d, at least the number of features; nil: the number of
  /// features.
  public var dimension: Int? = nil
  /// The starting point t on the case's path: w = (1 - t) u + t v, embedded. Finite.
  public var initialT: Double = 0.5
  /// The standard deviation of Gaussian noise added to each of w's d components, >= 0.
  public var initialNoise: Double = 0
  /// Snap loss's switch step, in 0...steps; nil: steps / 2.
  public var snapAt: Int? = nil
  /// Which biases the SAE learns (none, b_dec, or b_dec and b_enc). They start at zero.
  public var biases: Biases = .none
  /// The L1 penalty coefficient lambda on h, finite and >= 0 (a case's penalty sets it).
  public var l1: Double = 0
  /// Record the trajectory every this many steps (>= 1); nil: no trajectory.
  public var trajectoryInterval: Int? = nil
  /// How a batch is drawn: its pattern counts at once (the default), or every sample.
  public var sampling: Sampling = .counts
  /// `validate`: the allowed |trained t - analytic t|.
  public var tolerance: Double = 0.01
  /// `validate`: what the paper reports for this run, in words (printed beside the check).
  public var expectation: String? = nil

  /// How a batch is drawn. Both give the same distribution of batch gradients.
  public enum Sampling: String, Sendable, Hashable, CaseIterable {
    /// One multinomial draw of the B samples' pattern counts
    /// (`PatternDistribution.drawCounts`), then one gradient per pattern, times its count:
    /// O(patterns * d) per step.
    case counts
    /// B pattern draws (an alias table), equal samples merged: O(B) draws per step. The
    /// reference the counts are checked against; slower.
    case samples
  }

  /// The defaults.
  public init() {}

  /// Options from a case's `train` block (or the defaults), with the case's L1 penalty.
  ///
  /// - Parameter plan: the case file's `train` block (`CaseDocument.landscape`); nil: the
  ///   defaults.
  /// - Throws: `FieldError` when the case's penalty is not L1 (p != 1 with lambda > 0):
  ///   the trainer penalises h only.
  public init(for source: Case, plan: TrainingOptions?) throws {
    let penalty = source.penalty
    if penalty.coefficient > 0 && penalty.exponent != 1 {
      throw FieldError(
        field: "penalty.p", value: "\(penalty.exponent)",
        reason: "is not 1: the trainer supports only the L1 penalty")
    }
    self = plan ?? TrainingOptions()
    l1 = penalty.coefficient
  }

  /// The step at which snap loss switches from MSE to L2.
  public var switchStep: Int { snapAt ?? steps / 2 }

  /// The loss of step `step` (0-based).
  public func lossKind(atStep step: Int) -> LossKind {
    switch loss {
    case .mse: .mse
    case .l2: .l2
    case .snap: step < switchStep ? .mse : .l2
    }
  }

  /// The loss of the last phase: MSE for MSE training, L2 for L2 and snap.
  public var finalLossKind: LossKind { loss == .mse ? .mse : .l2 }

  /// Checks every field against its range (see the fields' documentation).
  ///
  /// - Parameter featureCount: the case's number of features k (d must be >= k).
  /// - Throws: `FieldError` naming the field as in a case file's `train` block.
  public func validate(featureCount: Int) throws {
    func fail(_ field: String, _ value: String, _ reason: String) -> FieldError {
      FieldError(field: "train.\(field)", value: value, reason: reason)
    }
    // A single-latent run takes at least one step; every other optimiser setting is the
    // SAE trainer's, checked where that plan is defined.
    if !(1...100_000_000).contains(steps) {
      throw fail("steps", "\(steps)", "is not in 1...100000000")
    }
    var plan = Trainer.plan(self)
    // A snap step given with another loss is unused, but still checked.
    if loss != .snap { plan.snapAt = snapAt }
    do { try plan.checkSettings() } catch let e as FieldError {
      throw fail(e.field, e.value, e.reason)
    }
    if let d = dimension, !(featureCount...100_000).contains(d) {
      throw fail(
        "dim", "\(d)", "is not in \(featureCount)...100000 (at least the \(featureCount) features)")
    }
    if !initialT.isFinite { throw fail("init", "\(initialT)", "is not finite") }
    if !(tolerance.isFinite && tolerance > 0) {
      throw fail("tolerance", "\(tolerance)", "is not a finite number > 0")
    }
    if let k = trajectoryInterval, k < 1 {
      throw fail("trajectory", "\(k)", "is not a positive whole number")
    }
  }
}
