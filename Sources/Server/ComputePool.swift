import Foundation
import ServiceLifecycle
import Synchronization

/// A bounded pool of threads for the API's computations, off the event loops and off
/// Swift's cooperative pool, so that a long computation never holds up the server.
///
/// At most `threads` computations run at once (a thread is started for a computation and
/// ends when none is waiting); at most `queueLimit` more wait, and a computation past that
/// is refused (`ComputeStop.busy`). Each computation has a CPU budget: the work asks its
/// `Computation` between blocks of work and stops past it (`ComputeStop.overBudget`). A
/// cancelled computation (the client went away, or the server is stopping) answers at
/// once; its thread stops at the work's next check.
///
/// As a `Service`, the pool cancels every computation when graceful shutdown begins: list
/// it after the application in a `ServiceGroup` so that it stops first.
public final class ComputePool: Service, Sendable {
  /// What the pool is for (`"curve, phase and figure"`), named in its refusals.
  public let name: String
  /// Computations running at once: 1 or more.
  public let threads: Int
  /// Computations waiting for a thread, at most: 0 or more.
  public let queueLimit: Int
  /// The CPU time one computation may take, in seconds.
  public let budget: Double

  private struct State {
    var waiting: [Computation] = []
    var running: Set<ObjectIdentifier> = []
    var inFlight: [ObjectIdentifier: Computation] = [:]
    var workers = 0
    var stopping = false
  }
  private let state = Mutex(State())

  /// - Parameters:
  ///   - name: what the pool computes, for its error lines.
  ///   - threads: computations running at once (at least 1).
  ///   - queueLimit: computations waiting, at most (at least 0).
  ///   - budget: CPU seconds per computation (above 0).
  public init(name: String, threads: Int, queueLimit: Int, budget: Double) {
    precondition(threads >= 1 && queueLimit >= 0 && budget > 0)
    self.name = name
    self.threads = threads
    self.queueLimit = queueLimit
    self.budget = budget
  }

  /// Runs `work` on one of the pool's threads and returns its result.
  ///
  /// - Parameters:
  ///   - client: the request's connection; its client leaving cancels the computation.
  ///   - work: the computation; it calls `check()` (or reads `isStopped`) between blocks.
  /// - Throws: `ComputeStop` when refused, cancelled or over its budget, or what `work`
  ///   throws. Cancelling the calling task cancels the computation.
  public func run<T: Sendable>(
    client: ClientConnection? = nil,
    _ work: @escaping @Sendable (Computation) throws -> T
  ) async throws -> T {
    let computation = Computation(budget: budget)
    let forget = client?.whenGone { [weak self] in self?.cancel(computation, .cancelled) }
    defer { forget?() }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        let answer = PendingAnswer(continuation)
        computation.prepare(
          body: { computation in
            let result = Result { try work(computation) }
            // A stop the work noticed is the answer, not the error it threw to leave.
            if case .failure = result, let reason = computation.reason {
              answer.resume(with: .failure(reason))
            } else {
              answer.resume(with: result)
            }
          },
          stopped: { answer.resume(with: .failure($0)) })
        if let refusal = admit(computation) {
          answer.resume(with: .failure(refusal))
          return
        }
      }
    } onCancel: {
      cancel(computation, .cancelled)
    }
  }

  /// Queues the computation, starting a thread for it when fewer than `threads` run; the
  /// refusal when the queue is full or the pool is stopping.
  private func admit(_ computation: Computation) -> ComputeStop? {
    let admission: Result<Bool, ComputeStop> = state.withLock { state in
      if state.stopping { return .failure(.stopping) }
      if state.workers == threads && state.waiting.count >= queueLimit {
        return .failure(.busy(name: name, running: threads, waiting: queueLimit))
      }
      state.waiting.append(computation)
      state.inFlight[ObjectIdentifier(computation)] = computation
      guard state.workers < threads else { return .success(false) }
      state.workers += 1
      return .success(true)
    }
    switch admission {
    case .failure(let refusal): return refusal
    case .success(let startThread):
      if startThread {
        let thread = Thread { [self] in work() }
        thread.name = "landscape-compute"
        thread.start()
      }
      return nil
    }
  }

  /// A worker: runs waiting computations until none is left.
  private func work() {
    while true {
      let next: Computation? = state.withLock { state in
        if state.waiting.isEmpty {
          state.workers -= 1
          return nil
        }
        return state.waiting.removeFirst()
      }
      guard let next else { return }
      next.runHere()
      _ = state.withLock { $0.inFlight.removeValue(forKey: ObjectIdentifier(next)) }
    }
  }

  /// Stops one computation: out of the queue if it waits, answered now with `reason`.
  private func cancel(_ computation: Computation, _ reason: ComputeStop) {
    state.withLock { state in
      state.waiting.removeAll { $0 === computation }
      if !computation.isRunning { state.inFlight[ObjectIdentifier(computation)] = nil }
    }
    computation.stop(reason)
  }

  /// The computations waiting or running.
  var inFlight: Int { state.withLock { $0.inFlight.count } }

  /// Cancels every computation waiting or running and refuses new ones.
  public func stop() {
    let all = state.withLock { state in
      state.stopping = true
      return Array(state.inFlight.values)
    }
    for computation in all { cancel(computation, .stopping) }
  }

  /// Waits for graceful shutdown, then stops (the server's answers in flight end at once).
  public func run() async throws {
    try? await gracefulShutdown()
    stop()
  }
}

/// A continuation resumed once; later results are dropped.
private final class PendingAnswer<T: Sendable>: Sendable {
  private let continuation: Mutex<CheckedContinuation<T, any Error>?>
  init(_ continuation: CheckedContinuation<T, any Error>) {
    self.continuation = Mutex(continuation)
  }
  func resume(with result: Result<T, any Error>) {
    let c = continuation.withLock { c in
      defer { c = nil }
      return c
    }
    c?.resume(with: result)
  }
}

/// Why a computation stopped before its answer.
public enum ComputeStop: Error, Sendable, Equatable, CustomStringConvertible {
  /// The pool had no room: `running` computations and `waiting` more.
  case busy(name: String, running: Int, waiting: Int)
  /// The computation used more CPU than its budget (seconds).
  case overBudget(seconds: Double)
  /// The client went away.
  case cancelled
  /// The server is stopping.
  case stopping

  public var description: String {
    switch self {
    case .busy(let name, let running, let waiting):
      "request: the server is busy: \(running) \(name) computations running and \(waiting) "
        + "waiting, its limit; try again"
    case .overBudget(let seconds):
      "request: the computation took more than its CPU budget of \(Self.seconds(seconds)) "
        + "(landscape serve --cpu-budget)"
    case .cancelled: "request: cancelled"
    case .stopping: "request: the server is stopping"
    }
  }

  /// Seconds as `10 s` or `0.5 s`.
  static func seconds(_ s: Double) -> String {
    s == s.rounded() && abs(s) < 1e15 ? "\(Int(s)) s" : "\(s) s"
  }
}

/// One computation in a `ComputePool`: its work, and whether it should stop.
public final class Computation: Sendable {
  /// The CPU seconds it may take.
  public let budget: Double

  private struct State {
    var body: (@Sendable (Computation) -> Void)?
    var stopped: (@Sendable (ComputeStop) -> Void)?
    /// The running thread's CPU clock and its reading when the work began.
    var clock: (id: clockid_t, start: Double)?
    var reason: ComputeStop?
    var running = false
  }
  private let state = Mutex(State())

  init(budget: Double) { self.budget = budget }

  /// Sets the work and how a stop is answered (at once if it has already stopped).
  func prepare(
    body: @escaping @Sendable (Computation) -> Void,
    stopped: @escaping @Sendable (ComputeStop) -> Void
  ) {
    let reason: ComputeStop? = state.withLock {
      $0.body = body
      $0.stopped = stopped
      return $0.reason
    }
    if let reason { stopped(reason) }
  }

  /// Whether a thread is running the work.
  var isRunning: Bool { state.withLock { $0.running } }

  /// Why it stopped, if it has.
  var reason: ComputeStop? { state.withLock { $0.reason } }

  /// Stops for `reason` (the first reason given stays): the request is answered now, the
  /// work stops at its next check.
  func stop(_ reason: ComputeStop) {
    let stopped: (@Sendable (ComputeStop) -> Void)? = state.withLock {
      if $0.reason == nil { $0.reason = reason }
      return $0.stopped
    }
    stopped?(reason)
  }

  /// Runs the work on the calling thread (a pool thread), unless it has stopped.
  func runHere() {
    var id = clockid_t()
    let hasClock = pthread_getcpuclockid(pthread_self(), &id) == 0
    let start = hasClock ? Self.seconds(on: id) : 0
    let body: (@Sendable (Computation) -> Void)? = state.withLock {
      guard $0.reason == nil else { return nil }
      if hasClock { $0.clock = (id, start) }
      $0.running = true
      return $0.body
    }
    body?(self)
    state.withLock {
      $0.running = false
      $0.body = nil
      $0.stopped = nil
    }
  }

  /// The CPU seconds `clock` reads.
  private static func seconds(on clock: clockid_t) -> Double {
    var time = timespec()
    guard clock_gettime(clock, &time) == 0 else { return 0 }
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// CPU seconds the work has used so far (0 before it runs).
  var cpuSeconds: Double {
    guard let clock = state.withLock({ $0.clock }) else { return 0 }
    return Self.seconds(on: clock.id) - clock.start
  }

  /// Whether the work should stop: cancelled, or past its CPU budget (which is then
  /// recorded as the reason). Safe to call from any thread.
  public var isStopped: Bool {
    if state.withLock({ $0.reason != nil }) { return true }
    guard cpuSeconds > budget else { return false }
    state.withLock { if $0.reason == nil { $0.reason = .overBudget(seconds: budget) } }
    return true
  }

  /// Throws the reason to stop, if there is one (see `isStopped`).
  public func check() throws {
    if isStopped, let reason { throw reason }
  }
}
