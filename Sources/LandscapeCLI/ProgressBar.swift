import Foundation
import Studies
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

/// A run's progress drawn as bars on standard error (one per label, in turn) when it is a
/// terminal; nothing otherwise.
final class TerminalProgress: Sendable {
  private let bar = Mutex<(label: String, bar: ProgressBar?)?>(nil)
  private let isTerminal = isatty(STDERR_FILENO) == 1

  /// A control that shows its progress here and is never cancelled.
  var control: RunControl {
    RunControl(progress: { [self] p in update(p) })
  }

  private func update(_ p: RunControl.Progress) {
    guard isTerminal else { return }
    let current = bar.withLock { current -> ProgressBar? in
      if let c = current, c.label == p.label { return c.bar }
      current?.bar?.finish()
      let b = ProgressBar(total: p.total, label: p.label)
      current = (p.label, b)
      return b
    }
    current?.update(p.done)
  }

  /// Clears the line, if a bar was shown.
  func finish() {
    bar.withLock { current in
      current?.bar?.finish()
      current = nil
    }
  }
}

/// Runs `body` with a control whose progress is drawn on the terminal, clearing it after.
func withTerminalProgress<T>(_ body: (RunControl) throws -> T) rethrows -> T {
  let progress = TerminalProgress()
  defer { progress.finish() }
  return try body(progress.control)
}
