import Landscape
import SparseAutoencoders
import ToyModels

extension LatentTrainingPlan {
  /// A case's plan (its `train` block, or the defaults) with the case's L1 penalty.
  ///
  /// - Parameter plan: the case file's `train` block (`CaseDocument.latent`); nil: the
  ///   defaults.
  /// - Throws: `FieldError` when the case's penalty is not L1 (p != 1 with lambda > 0):
  ///   the trainer penalises h only.
  public init(for source: LatentCase, plan: LatentTrainingPlan?) throws {
    let penalty = source.penalty
    if penalty.coefficient > 0 && penalty.exponent != 1 {
      throw FieldError(
        field: "penalty.p", value: "\(penalty.exponent)",
        reason: "is not 1: the trainer supports only the L1 penalty")
    }
    self = plan ?? LatentTrainingPlan()
    sae.l1 = penalty.coefficient
  }

  /// The loss of step `step` (0-based), in the landscape's words.
  public func lossKind(atStep step: Int) -> LossKind {
    sae.reconstruction(atStep: step) == .mse ? .mse : .l2
  }

  /// The loss of the last phase: MSE for MSE training, L2 for L2 and snap.
  public var finalLossKind: LossKind { sae.finalReconstruction == .mse ? .mse : .l2 }
}
