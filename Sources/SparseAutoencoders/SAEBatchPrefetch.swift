import Foundation
import ToyModels

/// Draws a run's batches on a second thread, one step ahead of the gradient: batch t + 1 is
/// drawn while step t runs.
///
/// The drawing thread is the only user of the run's stream and draws the batches in step order
/// (t = 0, 1, ..., steps - 1), each into one of two buffers, so the batches are the same bits
/// as when drawn inline, step by step: the stream gives the same draws in the same order.
/// Step t reads buffer t mod 2 while the thread fills the other; the thread starts batch t + 2
/// only once step t + 1 has asked for its batch (step t is then done with buffer t mod 2).
final class SAEBatchPrefetch: @unchecked Sendable {
  private let batches = [PatternBatch(), PatternBatch()]
  private let steps: Int
  private let draw: (PatternBatch) -> Void
  /// Signalled by the thread when a batch is drawn; by the consumer when a buffer is free.
  private let drawn = DispatchSemaphore(value: 0)
  private let free = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)
  /// Set by the consumer before it frees the thread for the last time (read after `free`).
  private var stopping = false
  /// Nanoseconds the thread spent drawing (read after `finished`).
  private var drawing: UInt64 = 0
  /// Nanoseconds the consumer spent handing back a buffer and waiting for a batch.
  private(set) var waiting: UInt64 = 0
  private var next = 0

  /// Starts the thread, which draws `steps` batches with `draw` (the stream's only user from
  /// now until `finish()`).
  init(steps: Int, draw: @escaping (PatternBatch) -> Void) {
    self.steps = steps
    self.draw = draw
    let thread = Thread { [self] in produce() }
    thread.name = "landscape batches"
    thread.start()
  }

  private func produce() {
    for t in 0..<steps {
      if t >= 2 { free.wait() }
      if stopping { break }
      let t0 = SAEClock.now()
      draw(batches[t & 1])
      drawing += SAEClock.now() - t0
      drawn.signal()
    }
    finished.signal()
  }

  /// Step t's batch (steps ask in order, t = 0, 1, ...): waits until it is drawn; the buffer of
  /// step t - 1 is handed back to the thread.
  func batch() -> PatternBatch {
    let t = next
    next += 1
    let t0 = SAEClock.now()
    if t >= 1 && t + 1 < steps { free.signal() }
    drawn.wait()
    waiting += SAEClock.now() - t0
    return batches[t & 1]
  }

  /// Stops the thread (after the batch it is drawing, if any) and waits for it; the seconds it
  /// spent drawing.
  func finish() -> Double {
    if !stopping {
      stopping = true
      free.signal()
      finished.wait()
    }
    return Double(drawing) * 1e-9
  }
}

/// Monotonic nanoseconds (CLOCK_MONOTONIC).
enum SAEClock {
  static func now() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
  }
}
