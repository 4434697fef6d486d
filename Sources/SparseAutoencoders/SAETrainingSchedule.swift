import ToyModels

extension SAETrainingPlan {
  /// The step from which snap loss trains on L2: `snapAt`, else half the steps.
  public var switchStep: Int { snapAt ?? steps / 2 }

  /// The reconstruction loss of step `step` (0-based): MSE or L2 throughout, or for snap
  /// loss MSE before `switchStep` and L2 from it on.
  public func reconstruction(atStep step: Int) -> ReconstructionLoss {
    switch loss {
    case .mse: .mse
    case .l2: .l2
    case .snap: step < switchStep ? .mse : .l2
    }
  }

  /// The loss of the last phase: MSE for MSE training, L2 for L2 and snap.
  public var finalReconstruction: ReconstructionLoss { loss == .mse ? .mse : .l2 }
}
