import ToyModels

/// How a single latent is trained: as a tied relu SAE of one latent (`sae`, the many-latent
/// trainer's plan, so the optimiser's settings are declared and checked once), started at a
/// point of the case's path.
///
/// A single-latent case file's `train` block is read into this plan; the command line's flags
/// change it afterwards. Its defaults differ from an SAE case's in four settings: 3000 steps,
/// batches of drawn pattern counts, no learned biases, and the whole run timed (not each
/// step's phases).
public struct LatentTrainingPlan: Sendable, Hashable {
  /// Which biases the trained SAE has.
  public enum Biases: String, Sendable, Hashable, CaseIterable { case none, decoder, both }

  /// The many-latent trainer's plan: loss, Adam's settings, batch, seed, data (counts or
  /// samples), L1, initial noise and embedding dimension (see `SAETrainingPlan`).
  public var sae: SAETrainingPlan
  /// The starting point t on the case's path: w = (1 - t) u + t v, embedded. Finite.
  public var initialT: Double = 0.5
  /// Record the trajectory every this many steps (>= 1); nil: no trajectory.
  public var trajectoryInterval: Int? = nil
  /// `validate`: the allowed |trained t - analytic t|, finite and > 0.
  public var tolerance: Double = 0.01
  /// `validate`: what the paper reports for this run, in words (printed beside the check).
  public var expectation: String? = nil

  /// The defaults.
  public init() {
    sae = SAETrainingPlan()
    sae.steps = 3000
    sae.data = .counts
    sae.trainsDecoderBias = false
    sae.trainsEncoderBias = false
    // A step of a few patterns costs a few hundred ns: the whole run's time is enough.
    sae.timesPhases = false
  }

  /// Which biases the SAE learns (none, b_dec, or b_dec and b_enc). They start at zero.
  public var biases: Biases {
    get { sae.trainsEncoderBias ? .both : (sae.trainsDecoderBias ? .decoder : .none) }
    set {
      sae.trainsDecoderBias = newValue != .none
      sae.trainsEncoderBias = newValue == .both
    }
  }

  /// Checks every field against its range: the optimiser's settings by
  /// `SAETrainingPlan.checkSettings()`, then steps >= 1 (a single latent takes at least one
  /// step), data counts or samples, d in k...100000, a finite start, tolerance finite > 0,
  /// trajectory interval >= 1.
  ///
  /// - Parameter featureCount: the case's number of features k (d must be >= k).
  /// - Throws: `FieldError` naming the field as in a case file's `train` block.
  public func validate(featureCount: Int) throws {
    func fail(_ field: String, _ value: String, _ reason: String) -> FieldError {
      FieldError(field: "train.\(field)", value: value, reason: reason)
    }
    if !(1...100_000_000).contains(sae.steps) {
      throw fail("steps", "\(sae.steps)", "is not in 1...100000000")
    }
    do { try sae.checkSettings() } catch let e as FieldError { throw e.renamed("train.\(e.field)") }
    if sae.data == .exact && sae.optimizer == .adam {
      throw fail("sampling", sae.data.rawValue, "is not one of counts, samples")
    }
    if let d = sae.dimension, !(featureCount...100_000).contains(d) {
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
