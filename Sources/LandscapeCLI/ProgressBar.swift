import Foundation
import Synchronization

/// A progress bar on standard error, drawn only when standard error is a terminal and
/// the work has already taken half a second.
final class ProgressBar: Sendable {
  private let total: Int
  private let label: String
  private let start = ContinuousClock.now
  /// The percentage on screen (-1: nothing shown), behind a mutex: updates come from any thread.
  private let shown = Mutex(-1)

  /// nil when standard error is not a terminal.
  init?(total: Int, label: String) {
    guard isatty(STDERR_FILENO) == 1 else { return nil }
    self.total = max(total, 1)
    self.label = label
  }

  /// Shows `done` of the total (callable from any thread).
  func update(_ done: Int) {
    let percent = min(100, done * 100 / total)
    shown.withLock { shown in
      guard percent != shown, ContinuousClock.now - start > .milliseconds(500) else { return }
      shown = percent
      let width = 30
      let filled = width * percent / 100
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
    }
  }

  /// Clears the line, if anything was shown.
  func finish() {
    shown.withLock { shown in
      if shown >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      shown = -1
    }
  }
}
