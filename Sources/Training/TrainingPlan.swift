/// How a single-latent case is trained by `landscape validate`: the `train` block of a case
/// file (`TrainingOptions` adds the command line's settings; `validate(featureCount:)` checks
/// them, through the SAE trainer's one check of the optimiser's settings).
public struct TrainingPlan: Sendable, Hashable {
  /// The reconstruction loss trained on.
  public enum Loss: String, Sendable, Hashable, CaseIterable { case mse, l2, snap }
  /// Which biases the trained SAE has.
  public enum Biases: String, Sendable, Hashable, CaseIterable { case none, decoder, both }

  public var loss: Loss = .mse
  public var steps: Int = 3000
  public var batch: Int = 4096
  public var learningRate: Double = 0.003
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  public var seed: UInt64 = 1
  /// The starting point on the path, t.
  public var initialT: Double = 0.5
  /// Standard deviation of Gaussian noise added to the initial latent.
  public var initialNoise: Double = 0
  /// The step at which snap loss switches from MSE to L2 (default: half the steps).
  public var snapAt: Int? = nil
  public var biases: Biases = .none
  /// Embedding dimension d >= number of features (default: the number of features).
  public var dimension: Int? = nil
  /// Allowed |trained t - analytic t|.
  public var tolerance: Double = 0.01
  /// What the paper reports for this run, in words (printed by validate).
  public var expectation: String? = nil

  public init() {}
}
