import Foundation
import HummingbirdTesting
import Landscape
import Reports
import XCTest

@testable import Server

/// Real concurrent requests on loopback (a few connections, each bounded: every wait is
/// at most 30 s): heavy computations do not hold up the quick ones, an abandoned one
/// stops, one past its CPU budget answers 503 naming it.
final class ServerConcurrencyTests: XCTestCase {
  static let casesFolder = ServerRouteTests.casesFolder
  /// A phase diagram with a penalised optimal bias: tens of CPU seconds.
  static let worstPhase = "/api/phase?p0=0.3&p01=0.1&bias=optimal&l1=0.01"

  static func server() throws -> LandscapeServer {
    LandscapeServer(
      cases: try LandscapeServer.cases(in: Self.casesFolder), initialQuery: "p0=0.3&p01=0.1")
  }

  func testMinimaAnswersWhileHeavyRequestsRunAndAbandonedOnesStop() async throws {
    let limits = ServeLimits(cpuBudget: 600, threads: 2, queueLimit: 8)
    let pools = ComputePools(limits)
    let app = buildApplication(
      try Self.server(), pools: pools, limits: limits, host: "127.0.0.1", port: 0)
    let expected = try ReportJSON.string(try MinimaReport(LatentCase.hierarchy(p0: 0.3, p01: 0.1))) + "\n"
    try await app.test(.live) { client in
      let port = try XCTUnwrap(client.port)
      // Four worst-case requests, each on its own connection: two run, two wait.
      let heavy = (0..<4).map { _ in TestClient(host: "127.0.0.1", port: port) }
      var answers: [Task<Void, Never>] = []
      for connection in heavy {
        connection.connect()
        answers.append(Task { _ = try? await connection.get(Self.worstPhase) })
      }
      let inFlight = try await ComputePoolTests.until { pools.heavy.inFlight == 4 }
      XCTAssertTrue(inFlight)

      let minima = try await client.execute(uri: "/api/minima?p0=0.3&p01=0.1", method: .get)
      XCTAssertEqual(minima.status, .ok)
      XCTAssertEqual(String(buffer: minima.body), expected)
      // Answered while all four were still in flight (each takes tens of seconds).
      XCTAssertEqual(pools.heavy.inFlight, 4)

      // The clients give up: the computations stop (the running ones at their next
      // grid point), and the pool is empty again.
      for connection in heavy { try await connection.shutdown() }
      let settled = try await ComputePoolTests.until { pools.heavy.inFlight == 0 }
      XCTAssertTrue(settled)
      for answer in answers { await answer.value }
    }
  }

  func testARequestPastItsCPUBudgetAnswers503NamingIt() async throws {
    let limits = ServeLimits(cpuBudget: 0.05, threads: 1, queueLimit: 2)
    let pools = ComputePools(limits)
    let app = buildApplication(
      try Self.server(), pools: pools, limits: limits, host: "127.0.0.1", port: 0)
    try await app.test(.live) { client in
      for uri in [
        Self.worstPhase, "/api/curve?p0=0.3&p01=0.1&bias=optimal&l1=0.01&points=100000",
      ] {
        let response = try await client.execute(uri: uri, method: .get)
        XCTAssertEqual(response.status, .serviceUnavailable, uri)
        XCTAssertEqual(response.headers[.contentType], "application/json")
        XCTAssertEqual(
          ServerRouteTests.errorLine(response.body),
          "request: the computation took more than its CPU budget of 0.05 s "
            + "(landscape serve --cpu-budget)")
      }
      let settled = try await ComputePoolTests.until { pools.heavy.inFlight == 0 }
      XCTAssertTrue(settled)
    }
  }
}
