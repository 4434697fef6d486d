/// What the caller of a run gives it besides the value it runs: where its progress goes and
/// whether to stop.
///
/// The command line draws a progress bar from `progress` and never cancels; the server
/// cancels a run whose client left. A cancelled run throws `CancellationError`.
public struct RunControl: Sendable {
  /// How far a run is: `done` of `total` units (steps, widths, cases), with what it is doing.
  public struct Progress: Sendable, Hashable {
    public var done: Int
    public var total: Int
    /// What is running (`training sae-matryoshka-snap`), for a progress display.
    public var label: String

    public init(done: Int, total: Int, label: String) {
      self.done = done
      self.total = total
      self.label = label
    }
  }

  /// Called from the thread that runs the work (any thread), often: keep it cheap.
  public var progress: @Sendable (Progress) -> Void
  /// Asked between steps; true stops the run with `CancellationError`.
  public var isCancelled: @Sendable () -> Bool

  public init(
    progress: @escaping @Sendable (Progress) -> Void = { _ in },
    isCancelled: @escaping @Sendable () -> Bool = { false }
  ) {
    self.progress = progress
    self.isCancelled = isCancelled
  }

  /// No progress shown, never cancelled.
  public static let none = RunControl()

  /// Throws `CancellationError` when the run is cancelled.
  public func checkCancellation() throws {
    if isCancelled() { throw CancellationError() }
  }

  /// Reports `done` of `total` under `label`.
  public func report(_ done: Int, of total: Int, _ label: String) {
    progress(Progress(done: done, total: total, label: label))
  }
}
