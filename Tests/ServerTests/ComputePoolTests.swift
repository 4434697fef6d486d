import Foundation
import XCTest

@testable import Server

/// The pool's rules, each forced with semaphores (no timing): a full pool refuses, a
/// cancelled computation answers at once and its work sees the stop, a computation past
/// its CPU budget stops with the budget named.
final class ComputePoolTests: XCTestCase {
  /// Work that holds its thread until `release` is signalled (bounded: 60 s).
  static func held(_ started: DispatchSemaphore, _ release: DispatchSemaphore)
    -> @Sendable (Computation) throws -> Int
  {
    { _ in
      started.signal()
      _ = release.wait(timeout: .now() + 60)
      return 1
    }
  }

  /// Polls `condition` every 10 ms for at most 30 s; whether it became true.
  static func until(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<3000 {
      if condition() { return true }
      try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
  }

  func testAFullPoolRefusesNamingItsLimit() async throws {
    let pool = ComputePool(name: "test", threads: 1, queueLimit: 1, budget: 60)
    let started = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let work = Self.held(started, release)
    let running = Task { try await pool.run(work) }
    XCTAssertEqual(started.wait(timeout: .now() + 30), .success)
    let waiting = Task { try await pool.run { _ in 2 } }
    let queued = try await Self.until { pool.inFlight == 2 }
    XCTAssertTrue(queued)
    var refusal: ComputeStop?
    do { _ = try await pool.run { _ in 3 } } catch let stop as ComputeStop { refusal = stop }
    XCTAssertEqual(refusal, .busy(name: "test", running: 1, waiting: 1))
    XCTAssertEqual(
      refusal?.description,
      "request: the server is busy: 1 test computations running and 1 waiting, its limit; "
        + "try again")
    release.signal()
    let first = try await running.value
    let second = try await waiting.value
    XCTAssertEqual(first + second, 3)
  }

  func testACancelledComputationAnswersAtOnceAndItsWorkSeesTheStop() async throws {
    let pool = ComputePool(name: "test", threads: 1, queueLimit: 4, budget: 60)
    let started = DispatchSemaphore(value: 0)
    let sawStop = DispatchSemaphore(value: 0)
    let task = Task {
      try await pool.run { computation -> Int in
        started.signal()
        // Spins until stopped (bounded: 60 s).
        let deadline = Date().addingTimeInterval(60)
        while !computation.isStopped && Date() < deadline {}
        if computation.isStopped { sawStop.signal() }
        return 0
      }
    }
    XCTAssertEqual(started.wait(timeout: .now() + 30), .success)
    task.cancel()
    do {
      _ = try await task.value
      XCTFail("a cancelled computation answered")
    } catch let stop as ComputeStop {
      XCTAssertEqual(stop, .cancelled)
    }
    XCTAssertEqual(sawStop.wait(timeout: .now() + 30), .success)
  }

  func testAComputationPastItsCPUBudgetStopsNamingIt() async throws {
    let pool = ComputePool(name: "test", threads: 1, queueLimit: 0, budget: 0.05)
    do {
      _ = try await pool.run { computation -> Double in
        // Burns CPU until the budget stops it (bounded: 60 s of wall time).
        var x = 0.0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
          for i in 0..<10_000 { x += Double(i).squareRoot() }
          try computation.check()
        }
        return x
      }
      XCTFail("the computation was not stopped")
    } catch let stop as ComputeStop {
      XCTAssertEqual(stop, .overBudget(seconds: 0.05))
      XCTAssertEqual(
        stop.description,
        "request: the computation took more than its CPU budget of 0.05 s "
          + "(landscape serve --cpu-budget)")
    }
  }

  func testAStoppedPoolRefusesAndCancelsWhatWaits() async throws {
    let pool = ComputePool(name: "test", threads: 1, queueLimit: 4, budget: 60)
    let started = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let work = Self.held(started, release)
    let running = Task { try await pool.run(work) }
    XCTAssertEqual(started.wait(timeout: .now() + 30), .success)
    pool.stop()
    for task in [running, Task { try await pool.run { _ in 2 } }] {
      do {
        _ = try await task.value
        XCTFail("a computation answered after stop")
      } catch let stop as ComputeStop {
        XCTAssertEqual(stop, .stopping)
      }
    }
    release.signal()
  }
}
