import CaseFiles
import Foundation
import Reports
import ServiceLifecycle
import SparseAutoencoders
import Studies
import Synchronization
import ToyModels

/// The SAE training runs the page starts (`POST /api/train`), each on its own thread, at
/// most `limit` at once, each with a CPU budget; their updates wait in a bounded buffer
/// for the one client that reads them (`GET /api/train/{id}/events`).
///
/// A run stops when its client leaves, when it is deleted, when no client comes for its
/// events within `claimTimeout` seconds, past its CPU budget, or when the server stops; each
/// stop is said on standard error (the server's log).
public final class TrainingSessions: Service, Sendable {
  /// Runs at once, at most.
  public let limit: Int
  /// CPU seconds one run may take.
  public let budget: Double
  /// Seconds a run waits for its events' client before it is cancelled.
  public let claimTimeout: Double

  /// Updates kept for a client that reads slower than they come (the newest are kept; the
  /// last is the final report).
  static let buffered = 64

  final class Session: Sendable {
    let id: String
    let name: String
    let stream: AsyncStream<String>
    let continuation: AsyncStream<String>.Continuation
    let cancelled = Atomic<Bool>(false)
    let claimed = Atomic<Bool>(false)
    let overBudget = Atomic<Bool>(false)
    /// The run's thread has ended (its last event is in the buffer).
    let done = Atomic<Bool>(false)
    /// Why it was cancelled.
    let why = Mutex<String?>(nil)

    init(id: String, name: String) {
      self.id = id
      self.name = name
      (stream, continuation) = AsyncStream.makeStream(
        of: String.self, bufferingPolicy: .bufferingNewest(TrainingSessions.buffered))
    }
  }

  private let sessions = Mutex<[String: Session]>([:])

  /// A finished run, kept for its downloads (the figure, the SAE file).
  struct Finished: Sendable {
    var report: SAETrainingReport
    var relation: FeatureRelation
    var title: String
    var name: String
    /// Our SAE file (JSON); nil for an SAE in d > n dimensions (the file is in feature
    /// coordinates).
    var saeFile: Data?
  }

  /// The last `kept` finished runs by id, oldest first.
  private let finished = Mutex<[(id: String, run: Finished)]>([])
  /// Finished runs kept for their downloads.
  static let keptResults = 8

  /// A finished run's results; nil when it is unknown or forgotten.
  func result(_ id: String) -> Finished? {
    finished.withLock { $0.last(where: { $0.id == id })?.run }
  }

  /// - Parameters: limit >= 1; budget > 0 CPU seconds; claimTimeout > 0 seconds.
  public init(limit: Int = 2, budget: Double = 300, claimTimeout: Double = 30) {
    precondition(limit >= 1 && budget > 0 && claimTimeout > 0)
    self.limit = limit
    self.budget = budget
    self.claimTimeout = claimTimeout
  }

  /// Runs training now (what the limit counts).
  public var running: Int {
    sessions.withLock { $0.values.filter { !$0.done.load(ordering: .relaxed) }.count }
  }

  /// Runs kept: training, or ended with their events not yet read.
  var kept: Int { sessions.withLock { $0.count } }

  /// Starts training `training` on a thread of its own; returns the run's id.
  /// - Throws: `APIError` (503) naming the limit when `limit` runs are going.
  /// - Parameter overrides: the `set` that made the case, recorded in the final report as
  ///   `train --set ... --json` records them.
  func start(_ training: SAECaseTraining, overrides: [FieldOverride] = []) throws -> String {
    let id = UUID().uuidString.lowercased()
    let session = Session(id: id, name: training.saeCase.name)
    let admitted = sessions.withLock { all -> Bool in
      guard all.values.filter({ !$0.done.load(ordering: .relaxed) }).count < limit else {
        return false
      }
      all[id] = session
      return true
    }
    guard admitted else {
      throw APIError(
        "train: \(limit) training runs are going, the limit (landscape serve --training-runs); try again",
        status: .serviceUnavailable)
    }
    let budget = self.budget
    let thread = Thread { [self] in
      // Below the requests that answer the page (nice 10: about a tenth of a core's share
      // against one of them, never starved).
      if let thread = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"),
        let tid = id_t(thread.split(separator: "/").last ?? "")
      {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, 10)
      }
      var clockID = clockid_t()
      let hasClock = pthread_getcpuclockid(pthread_self(), &clockID) == 0
      let clock = clockID
      let start = hasClock ? Self.cpuSeconds(clock) : 0
      let control = RunControl(isCancelled: {
        if session.cancelled.load(ordering: .relaxed) { return true }
        if hasClock && Self.cpuSeconds(clock) - start > budget {
          session.overBudget.store(true, ordering: .relaxed)
          return true
        }
        return false
      })
      do {
        let trained = try training.run(control) { update in
          if let line = try? ReportJSON.string(update) { session.continuation.yield(line) }
        }
        session.continuation.yield(
          try ReportJSON.string(OverriddenReport(trained.report, overrides: overrides)))
        let saeCase = training.saeCase
        let file =
          trained.embedding == nil
          ? try? SAEFile(features: saeCase.features, sae: trained.sae).json() : nil
        let run = Finished(
          report: trained.report, relation: saeCase.toy.featureRelation, title: saeCase.title,
          name: saeCase.name, saeFile: file)
        self.finished.withLock {
          $0.append((id, run))
          if $0.count > Self.keptResults { $0.removeFirst($0.count - Self.keptResults) }
        }
      } catch is CancellationError {
        let why =
          session.overBudget.load(ordering: .relaxed)
          ? "took its CPU budget of \(budget) s"
          : "was cancelled (\(session.why.withLock { $0 } ?? "cancelled"))"
        Self.log("training run \(id) (\(session.name)) \(why)")
        session.continuation.yield(
          (try? ReportJSON.string(["error": "training: the run \(why)"])) ?? "{}")
      } catch {
        session.continuation.yield(
          (try? ReportJSON.string(["error": String("\(error)".split(separator: "\n").first ?? "")]))
            ?? "{}")
      }
      session.continuation.finish()
      session.done.store(true, ordering: .relaxed)
    }
    thread.name = "training \(id)"
    thread.start()
    // Cancelled when no client comes for the events.
    let timeout = claimTimeout
    Task { [weak self] in
      try? await Task.sleep(for: .seconds(timeout))
      if !session.claimed.load(ordering: .relaxed) {
        self?.cancel(id, why: "no client read its events within \(timeout) s")
        self?.release(id)
      }
    }
    return id
  }

  /// The run's updates, for its one client (who `release`s the run after the last); nil when
  /// there is no such run or it is claimed.
  func claim(_ id: String) -> AsyncStream<String>? {
    guard let session = sessions.withLock({ $0[id] }) else { return nil }
    let (exchanged, _) = session.claimed.compareExchange(
      expected: false, desired: true, ordering: .relaxed)
    return exchanged ? session.stream : nil
  }

  /// Forgets a run whose events were read (or never will be).
  func release(_ id: String) {
    _ = sessions.withLock { $0.removeValue(forKey: id) }
  }

  /// Cancels a run; false when there is no such run.
  @discardableResult
  func cancel(_ id: String, why: String) -> Bool {
    guard let session = sessions.withLock({ $0[id] }) else { return false }
    session.why.withLock { if $0 == nil { $0 = why } }
    if !session.done.load(ordering: .relaxed) && !session.cancelled.exchange(true, ordering: .relaxed) {
      Self.log("training run \(id) (\(session.name)): cancelling: \(why)")
    }
    return true
  }

  /// As a service: waits for graceful shutdown, then cancels every run (so that their event
  /// streams end and the server can stop).
  public func run() async throws {
    try? await gracefulShutdown()
    cancelAll()
  }

  /// Cancels every run (the server is stopping).
  public func cancelAll() {
    for id in sessions.withLock({ Array($0.keys) }) { cancel(id, why: "the server is stopping") }
  }

  static func cpuSeconds(_ clock: clockid_t) -> Double {
    var time = timespec()
    guard clock_gettime(clock, &time) == 0 else { return 0 }
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  static func log(_ line: String) {
    FileHandle.standardError.write(Data("landscape serve: \(line)\n".utf8))
  }
}
