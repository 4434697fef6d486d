import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import Server

/// `/api/minima` with a penalty that overflowed every loss (issue 21 item 9): the command
/// line's one line, as a 400.
final class ServerNonFiniteTests: XCTestCase {
  func testAnOverflowingPenaltyIsTheCommandLinesError() async throws {
    let server = LandscapeServer(cases: [], initialQuery: "p0=0.3&p01=0.1")
    let app = Application(router: buildRouter(server, pools: ComputePools()))
    try await app.test(.router) { client in
      try await client.execute(
        uri: "/api/minima?p0=0.3&p01=0.1&parent-magnitude=1e6&child-magnitude=1e6&l1=1e308",
        method: .get
      ) { response in
        XCTAssertEqual(response.status, .badRequest)
        XCTAssertEqual(
          ServerRouteTests.errorLine(response.body), "--l1: 1e+308 is not in [0, 1000000.0]")
      }
    }
  }
}
