import CaseFiles
import Foundation
import Hummingbird
import HummingbirdTesting
import Landscape
import Reports
import XCTest

@testable import Server

/// Every route through HummingbirdTesting: good answers are what the command line prints,
/// bad parameters a 400 whose one line names the field.
final class ServerRouteTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let casesFolder = root.appendingPathComponent("cases").path

  func server() throws -> LandscapeServer {
    LandscapeServer(
      cases: try LandscapeServer.cases(in: Self.casesFolder), initialQuery: "p0=0.3&p01=0.1")
  }

  /// GETs each URI and hands its status, content type and body to `check`.
  func get(
    _ uris: [String],
    _ check: @escaping @Sendable (String, HTTPResponse.Status, String?, ByteBuffer) -> Void
  ) async throws {
    let app = Application(router: buildRouter(try server(), pools: ComputePools()))
    try await app.test(.router) { client in
      for uri in uris {
        try await client.execute(uri: uri, method: .get) { response in
          check(uri, response.status, response.headers[.contentType], response.body)
        }
      }
    }
  }

  /// The error line of a 400 answer.
  static func errorLine(_ body: ByteBuffer) -> String? {
    let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: String]
    return object?["error"]
  }

  func testMinimaIsTheMinimaReportTheCLIPrints() async throws {
    let c = try LatentCase.hierarchy(p0: 0.3, p01: 0.1, p1: 0.05, l1: 0.01, bias: .optimal)
    let expected = try ReportJSON.string(try MinimaReport(c)) + "\n"
    try await get(["/api/minima?p0=0.3&p01=0.1&p1=0.05&l1=0.01&bias=optimal"]) {
      _, status, type, body in
      XCTAssertEqual(status, .ok)
      XCTAssertEqual(type, "application/json")
      XCTAssertEqual(String(buffer: body), expected)
    }
  }

  func testCurveIsTheCurveCSV() async throws {
    let c = try LatentCase.hierarchy(p0: 0.3, p01: 0.1, tMin: -0.5, tMax: 1.5)
    let expected = String(decoding: LossLandscape(c).curveCSV(points: 1000), as: UTF8.self)
    try await get([
      "/api/curve?p0=0.3&p01=0.1&t-min=-0.5&t-max=1.5&points=1000", "/api/curve?p0=0.3&p01=0.1",
    ]) { uri, status, type, body in
      XCTAssertEqual(status, .ok)
      XCTAssertEqual(type, "text/csv; charset=utf-8")
      let text = String(buffer: body)
      if uri.hasSuffix("1000") {
        XCTAssertEqual(text, expected)
      } else {
        // By hand: MSE at t = 0 (the parent latent) loses the child, p01 * 1^2 = 0.1; at
        // t = 1 (the child latent) the parent, p0 + p01 = 0.4; L2 alike at the ends.
        let rows = text.split(separator: "\n")
        XCTAssertEqual(rows.count, 202)
        XCTAssertEqual(rows[1], "0.0,0.1,0.1")
        XCTAssertEqual(rows[201], "1.0,0.4,0.4")
      }
    }
  }

  func testSymbolicFigureCasesAndPhase() async throws {
    try await get([
      "/api/symbolic?p0=0.3&p01=0.1", "/api/figure.png?case=skew-parent",
      "/api/figure.svg?p0=0.3&p01=0.1", "/api/figure.pdf?p0=0.3&p01=0.1", "/api/cases",
      "/api/phase?p0=0.3&p01=0.1", "/", "/?p0=0.3&p01=0.1", "/page.js", "/page.css",
    ]) { uri, status, type, body in
      let bytes = Array(Data(buffer: body))
      switch uri {
      case "/api/symbolic?p0=0.3&p01=0.1":
        XCTAssertEqual(status, .ok)
        XCTAssertTrue(String(buffer: body).contains("p0 t^2 - (p0 + 2 p01) t + p01 = 0"))
      case "/api/figure.png?case=skew-parent":
        XCTAssertEqual(type, "image/png")
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
      case "/api/figure.svg?p0=0.3&p01=0.1":
        XCTAssertEqual(type, "image/svg+xml")
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("<svg"))
      case "/api/figure.pdf?p0=0.3&p01=0.1":
        XCTAssertEqual(Array(bytes.prefix(5)), Array("%PDF-".utf8))
      case "/api/cases":
        let list = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]]
        let names = list?.compactMap { $0["name"] as? String } ?? []
        XCTAssertTrue(names.contains("skew-parent"))
        XCTAssertFalse(names.contains { $0.hasPrefix("sae-") }, "SAE cases are not served")
      case "/api/phase?p0=0.3&p01=0.1":
        let grid = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        let mseT = grid?["mse_t"] as? [[Any]]
        XCTAssertEqual(mseT?.count, LandscapeServer.phaseGridSize)
        // p0 = 1, p01 = 1 sums past 1: no value.
        XCTAssertTrue(mseT?.last?.last is NSNull)
      case "/":
        XCTAssertEqual(status, .seeOther)
      case "/?p0=0.3&p01=0.1":
        XCTAssertEqual(type, "text/html; charset=utf-8")
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("<script src=\"/page.js\">"))
      default:
        XCTAssertEqual(status, .ok, uri)
        XCTAssertFalse(bytes.isEmpty, uri)
      }
    }
  }

  /// Bad parameters: 400 with the line the command line prints after `landscape: `.
  func testBadParametersAnswer400NamingTheField() async throws {
    let cases: [(String, String)] = [
      ("/api/minima?p0=0.3&p01=0.9", "--p0 + --p01 + --p1: probabilities summing to 1.2 exceed 1"),
      ("/api/minima?p0=abc&p01=0.1", "--p0: \"abc\" is not a number"),
      ("/api/minima?p0=0.3", "--p01: is missing"),
      (
        "/api/minima?p0=0.3&p01=0.1&bias=up",
        "--bias: \"up\" is not none, optimal, centered or FEATURE=B,..."
      ),
      ("/api/curve?p0=0.3&p01=0.1&points=100001", "--points: 100001 is above 100000"),
      ("/api/curve?p0=0.3&p01=0.1&points=1", "--points: 1 is below 2"),
      ("/api/curve?p0=0.3&p01=0.1&points=x", "--points: \"x\" is not a whole number"),
      ("/api/minima?p0=0.3&p01=0.1&p0=0.2", "--p0: is given twice"),
      (
        "/api/minima?case=skew-parent&parent-magnitude=2",
        "--parent-magnitude: applies to the hierarchy shorthand, not to a case file "
          + "(its patterns give the magnitudes)"
      ),
      ("/api/symbolic?case=..%2Fcases%2Fskew-parent", ""),
      ("/api/figure.png?case=/etc/passwd", ""),
    ]
    try await get(cases.map(\.0)) { uri, status, type, body in
      XCTAssertEqual(status, .badRequest, uri)
      XCTAssertEqual(type, "application/json")
      let line = Self.errorLine(body)
      let expected = cases.first { $0.0 == uri }!.1
      if expected.isEmpty {
        XCTAssertTrue(line?.hasPrefix("case: ") == true, "\(uri): \(line ?? "nil")")
      } else {
        XCTAssertEqual(line, expected, uri)
      }
    }
    try await get([
      "/api/minima?points=3&p0=0.3&p01=0.1", "/api/minima?" + String(repeating: "p", count: 5000),
    ]) { uri, status, _, body in
      let line = Self.errorLine(body) ?? ""
      if uri.count > 4096 {
        XCTAssertEqual(status, .uriTooLong)
        XCTAssertTrue(line.contains("above the limit of 4096"), line)
      } else {
        XCTAssertEqual(status, .badRequest)
        XCTAssertTrue(line.hasPrefix("points: is not a parameter"), line)
      }
    }
  }

  /// The server's error line is the CLI's line without `landscape: ` and the usage hint.
  func testTheErrorLineIsTheCLIs() async throws {
    let run = try ServerBinary.run(["minima", "--p0", "0.3", "--p01", "0.9"])
    XCTAssertEqual(run.status, 2)
    try await get(["/api/minima?p0=0.3&p01=0.9"]) { _, _, _, body in
      let line = "landscape: " + (Self.errorLine(body) ?? "") + " (see 'landscape minima --help')\n"
      XCTAssertEqual(run.stderr, line)
    }
  }

  /// /api/symbolic is `landscape symbolic --json`, for a derivable case and for one out of
  /// its scope (a penalty: `"supported": false`, still 200).
  func testSymbolicEqualsTheSymbolicCommand() async throws {
    var expected: [String: String] = [:]
    for (query, flags) in [
      ("p0=0.3&p01=0.1&p1=0.05", ["--p0", "0.3", "--p01", "0.1", "--p1", "0.05"]),
      ("p0=0.3&p01=0.1&l1=0.05", ["--p0", "0.3", "--p01", "0.1", "--l1", "0.05"]),
      ("case=unequal-magnitudes", ["cases/unequal-magnitudes.json"]),
    ] {
      let run = try ServerBinary.run(["symbolic"] + flags + ["--json"])
      XCTAssertEqual(run.status, 0, run.stderr)
      expected["/api/symbolic?" + query] = String(decoding: run.stdout, as: UTF8.self)
    }
    XCTAssertTrue(
      expected.values.contains {
        let o = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        return o?["supported"] as? Bool == false
      })
    let table = expected
    try await get(Array(table.keys)) { uri, status, _, body in
      XCTAssertEqual(status, .ok, uri)
      XCTAssertEqual(String(buffer: body), table[uri], uri)
    }
  }

  /// /api/minima equals `landscape minima --json` on every shipped single-latent case,
  /// byte for byte.
  func testMinimaEqualsTheMinimaCommandOnEveryShippedCase() async throws {
    let served = try server().cases
    XCTAssertGreaterThan(served.count, 10)
    var expected: [String: String] = [:]
    for c in served {
      let run = try ServerBinary.run(["minima", "cases/\(c.name).json", "--json"])
      XCTAssertEqual(run.status, 0, run.stderr)
      expected["/api/minima?case=\(c.name)"] = String(decoding: run.stdout, as: UTF8.self)
    }
    let table = expected
    try await get(Array(table.keys)) { uri, status, _, body in
      XCTAssertEqual(status, .ok, uri)
      XCTAssertEqual(String(buffer: body), table[uri], uri)
    }
  }
}
