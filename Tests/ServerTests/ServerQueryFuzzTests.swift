import CaseFiles
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import XCTest

@testable import Server

/// The server's query parameters, fuzzed: a seeded, deterministic stream of requests to every
/// endpoint, their values drawn from the numbers that broke it before (subnormals, 1e308,
/// NaN, infinities, ulp-wide t ranges, huge point counts) and from malformed queries (empty,
/// repeated and unknown names, long strings). Every answer must be 200, or a 4xx or 503
/// whose body is one line `{"error": LINE}`; the server must not crash. The request count is
/// fixed, so the time is bounded (each computation also stops at the CPU budget).
final class ServerQueryFuzzTests: XCTestCase {
  /// The requests sent.
  static let requests = 300

  static let endpoints = [
    "/api/minima", "/api/minima", "/api/curve", "/api/symbolic", "/api/phase", "/api/cases",
    "/api/figure.png", "/api/figure.svg", "/api/figure.pdf",
  ]

  /// Numbers at the edges of what a Double holds, and text that is no number.
  static let numbers = [
    "0", "0.1", "0.3", "0.5", "1", "-1", "-0.5", "2", "5e-324", "-5e-324",
    "2.2250738585072014e-308", "1e-158", "1e-320", "1e308", "-1e308",
    "1.7976931348623157e308", "1e400", "nan", "NaN", "inf", "-inf", "infinity", "", "0x1p-3",
    "0.5000000000000001", "123456.789012345", "1e6", "1e-9", "abc", "1,2", " 0.3",
    String(repeating: "9", count: 400),
  ]

  /// Values of the non-numeric parameters.
  static let special: [String: [String]] = [
    "bias": [
      "none", "optimal", "centered", "parent=1e308,child=-1e308", "parent=nan,child=0",
      "parent=0.1", "child=0.2,parent=5e-324", "optimal,none", "",
    ],
    "points": ["2", "3", "11", "100000", "100000000", "1e9", "-1", "0", "1.5", "", "99999999999999999999"],
    "case": ["skew-parent", "correlated", "../README", "nope", "", "sae-untied-hierarchy"],
  ]

  /// The query names: every parameter, then ones the server does not know.
  static let names = CaseParameters.names + ["points", "case", "foo", "p00", "", "t_min"]

  /// Whole queries that broke the server before (issue 21), sent as they are.
  static let known = [
    "/api/figure.png?p0=0.3&p01=0.1&t-min=0&t-max=5e-324",
    "/api/curve?p0=0.3&p01=0.1&parent-magnitude=1e-158&child-magnitude=1e-158&points=3",
    "/api/figure.png?p0=0.3&p01=0.1&t-min=0.5&t-max=0.5000000000000001",
    "/api/phase?p0=0.3&p01=0.1&bias=optimal&l1=0.1",
    "/api/curve?p0=0.3&p01=0.1&bias=optimal&l1=0.1&points=100000",
    "/api/symbolic?p0=0.3&p01=0.1&parent-magnitude=1e-320",
    "/api/symbolic?p0=0.3&p01=0.1&parent-magnitude=123456.789012345",
    "/api/minima?p0=0.3&p01=0.1&parent-magnitude=1e6&child-magnitude=1e6&l1=1e308",
  ]

  /// A query value percent-encoded as a browser would send it.
  static func encoded(_ s: String) -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+,")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
  }

  /// A random request: an endpoint and 0-4 parameters over the paper's case
  /// (or none), values from the pools above.
  static func request(_ rng: inout SplitMix64) -> String {
    let endpoint = endpoints[Int(rng.next() % UInt64(endpoints.count))]
    var items: [(String, String)] = rng.next() % 4 == 0 ? [] : [("p0", "0.3"), ("p01", "0.1")]
    for _ in 0..<Int(rng.next() % 5) {
      let name = names[Int(rng.next() % UInt64(names.count))]
      let pool = special[name] ?? numbers
      items.append((name, pool[Int(rng.next() % UInt64(pool.count))]))
    }
    if rng.next() % 8 == 0 {
      // An ulp-wide t range.
      let t = numbers[Int(rng.next() % UInt64(numbers.count))]
      let lo = Double(t).flatMap { $0.isFinite ? $0 : nil } ?? 0.5
      items += [("t-min", "\(lo)"), ("t-max", "\(lo.nextUp)")]
    }
    let query = items.map { "\(encoded($0))=\(encoded($1))" }.joined(separator: "&")
    return query.isEmpty ? endpoint : endpoint + "?" + query
  }

  func testEveryQueryIsAnsweredWithAStatusAndOneLine() async throws {
    let server = LandscapeServer(
      cases: try LandscapeServer.cases(in: ServerRouteTests.casesFolder),
      initialQuery: "p0=0.3&p01=0.1")
    // A small budget: the slow computations stop (503) soon, so the run stays short.
    let pools = ComputePools(ServeLimits(cpuBudget: 0.25))
    let app = Application(router: buildRouter(server, pools: pools))
    var rng = SplitMix64(seed: 21)
    let uris = Self.known + (0..<(Self.requests - Self.known.count)).map { _ in Self.request(&rng) }
    let counts = Counts()
    try await app.test(.router) { client in
      for uri in uris {
        try await client.execute(uri: uri, method: .get) { response in
          let status = response.status.code
          counts.add(status)
          guard status != 200 else { return }
          XCTAssert(
            (400..<500).contains(status) || status == 503, "\(uri): status \(status)")
          let line = ServerRouteTests.errorLine(response.body)
          XCTAssertNotNil(line, "\(uri): \(status) without {\"error\": LINE}")
          XCTAssertFalse(line?.isEmpty ?? true, "\(uri): an empty error line")
          XCTAssertFalse(line?.contains("\n") ?? false, "\(uri): \(line ?? "") is not one line")
        }
      }
    }
    let total = counts.byStatus.values.reduce(0, +)
    XCTAssertEqual(total, Self.requests)
    // Both outcomes occur: the fuzzer reaches the computations and the checks.
    XCTAssertGreaterThan(counts.byStatus[200] ?? 0, 0)
    XCTAssertGreaterThan(counts.byStatus[400] ?? 0, 0)
    print(
      "query fuzzer: \(total) requests, "
        + counts.byStatus.sorted { $0.key < $1.key }.map { "\($0.value) x \($0.key)" }
        .joined(separator: ", "))
  }
}

/// Answers counted by status (the handler closure is `@Sendable`).
private final class Counts: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var byStatus: [Int: Int] = [:]
  func add(_ status: Int) { lock.withLock { byStatus[status, default: 0] += 1 } }
}
