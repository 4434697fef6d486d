import Landscape

/// The trainer's tolerances, beside the landscape's (see `Tolerance`).
extension Tolerance {
  /// A start within atMinimum max(1, |t|) of a local minimum is at that minimum (the
  /// minimum a training from there should reach).
  static let atMinimum = 1e-9

  /// One-sided slopes within flatStart |loss| at a start are flat: neither side
  /// descends.
  static let flatStart = 1e-12

  /// The step loop's duration in seconds is at least this when samples per second are
  /// computed (a run too short for the clock).
  static let shortestRun = 1e-12
}
