import ToyModels

extension SAETrainingPlan {
  /// The loss schedule in the case file's and the command line's words.
  public enum Schedule: String, Sendable, Hashable, CaseIterable {
    /// MSE throughout.
    case mse
    /// L2 = |x - xhat| throughout.
    case l2
    /// The paper's snap loss: MSE, then L2 from `snapAt`.
    case snap
  }

  /// The schedule this plan trains with.
  public var schedule: Schedule { snapAt != nil ? .snap : (loss == .l2 ? .l2 : .mse) }

  /// Sets the schedule: MSE or L2 throughout, or snap (MSE, then L2 from `snapAt`, by
  /// default half the steps).
  ///
  /// - Parameters: snapAt in 0...steps, only with `.snap`.
  /// - Throws: `FieldError` naming `snap_at` when `snapAt` is
  ///   given without snap or is above the steps.
  public mutating func setSchedule(_ schedule: Schedule, snapAt: Int? = nil) throws {
    if let snapAt {
      guard schedule == .snap else {
        throw FieldError(field: "snap_at", value: "", reason: "applies to snap loss only")
      }
      guard (0...steps).contains(snapAt) else {
        throw FieldError(
          field: "snap_at", value: "\(snapAt)", reason: "is not in 0...\(steps) (the steps)")
      }
    }
    loss = schedule == .l2 ? .l2 : .mse
    self.snapAt = schedule == .snap ? (snapAt ?? steps / 2) : nil
  }
}
