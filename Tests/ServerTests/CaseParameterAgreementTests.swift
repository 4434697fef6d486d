import CaseFiles
import Foundation
import Hummingbird
import HummingbirdTesting
import Landscape
import XCTest

@testable import Server

/// The command line and the server read every case parameter through one table
/// (`CaseParameters.table`): a flag and its query name give the same case, and refuse the
/// same values with the same line.
final class CaseParameterAgreementTests: XCTestCase {
  /// Every entry: a good value and a bad one, and the case it is given on.
  static let values: [String: (good: String, bad: String)] = [
    "p0": ("0.25", "abc"), "p01": ("0.15", "0.1x"), "p1": ("0.05", "nan"),
    "p-parent": ("0.4", "2"), "p-child-if-parent": ("0.25", "-0.1"),
    "p-child-if-no-parent": ("0.1", "1/2"), "parent-magnitude": ("2", "abc"),
    "child-magnitude": ("0.5", "inf"), "l1": ("0.01", "x"),
    "bias": ("parent=0.1,child=-0.2", "sideways"), "t-min": ("-0.5", ""),
    "t-max": ("1.5", "1e999"), "points": ("11", "1"),
  ]

  /// The base case an entry is given on: the paper's form for its entries, else the
  /// shorthand (both in the order of the flags).
  static func base(for name: String) -> [(String, String)] {
    name.hasPrefix("p-")
      ? [("p-parent", "0.4"), ("p-child-if-parent", "0.25")] : [("p0", "0.3"), ("p01", "0.1")]
  }

  /// The query names and values, and the flags, that give `name` the value `value` on its
  /// base case.
  static func given(_ name: String, _ value: String) -> (query: String, flags: [String]) {
    var items = base(for: name).filter { $0.0 != name }
    items.append((name, value))
    let query = items.map {
      "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)"
    }
    return (query.joined(separator: "&"), items.flatMap { ["--\($0.0)", $0.1] })
  }

  /// GETs each URI from the in-process router; hands back status and body.
  func get(_ uris: [String]) async throws -> [String: (HTTPResponse.Status, String)] {
    let server = LandscapeServer(
      cases: try LandscapeServer.cases(in: ServerRouteTests.casesFolder),
      initialQuery: "p0=0.3&p01=0.1")
    let app = Application(router: buildRouter(server, pools: ComputePools()))
    let answers = Answers()
    try await app.test(.router) { client in
      for uri in uris {
        try await client.execute(uri: uri, method: .get) { response in
          await answers.set(uri, (response.status, String(buffer: response.body)))
        }
      }
    }
    return await answers.values
  }

  actor Answers {
    var values: [String: (HTTPResponse.Status, String)] = [:]
    func set(_ uri: String, _ value: (HTTPResponse.Status, String)) { values[uri] = value }
  }

  func testEveryEntryIsTested() {
    XCTAssertEqual(Set(Self.values.keys), Set(CaseParameters.table.map(\.name)))
  }

  /// The flag and the query give the same answer (`minima --json`, or `curve` for
  /// `points`), and the same error line for a bad value (the 400's line is the CLI's
  /// without `landscape: ` and the usage hint).
  func testTheFlagAndTheQueryGiveTheSameCaseAndTheSameError() async throws {
    var expected: [String: (status: HTTPResponse.Status, body: String)] = [:]
    for parameter in CaseParameters.table {
      let (good, bad) = try XCTUnwrap(Self.values[parameter.name], parameter.name)
      let command = parameter.setsCase ? "minima" : "curve"
      let route = parameter.setsCase ? "/api/minima?" : "/api/curve?"
      let extra = parameter.setsCase ? ["--json"] : []
      let ok = Self.given(parameter.name, good)
      let run = try ServerBinary.run([command] + ok.flags + extra)
      XCTAssertEqual(run.status, 0, "\(parameter.name): \(run.stderr)")
      expected[route + ok.query] = (.ok, String(decoding: run.stdout, as: UTF8.self))
      let wrong = Self.given(parameter.name, bad)
      let failed = try ServerBinary.run([command] + wrong.flags + extra)
      XCTAssertEqual(failed.status, 2, "\(parameter.name) \(bad)")
      let suffix = " (see 'landscape \(command) --help')\n"
      XCTAssertTrue(failed.stderr.hasPrefix("landscape: \(parameter.flag): "), failed.stderr)
      XCTAssertTrue(failed.stderr.hasSuffix(suffix), failed.stderr)
      let line = failed.stderr.dropFirst("landscape: ".count).dropLast(suffix.count)
      expected[route + wrong.query] = (.badRequest, String(line))
    }
    let answers = try await get(Array(expected.keys))
    for (uri, (status, body)) in expected {
      let answer = try XCTUnwrap(answers[uri], uri)
      XCTAssertEqual(answer.0, status, uri)
      if status == .ok {
        XCTAssertEqual(answer.1, body, uri)
      } else {
        XCTAssertEqual(Self.errorLine(answer.1), body, uri)
      }
    }
  }

  static func errorLine(_ body: String) -> String? {
    let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]
    return object?["error"]
  }

  /// A name given twice, or one that is not a parameter, is refused naming it, the
  /// paper's names among them.
  func testARepeatedOrUnknownNameAnswers400NamingIt() async throws {
    let repeated = "/api/minima?p-parent=0.4&p-child-if-parent=0.25&p-parent=0.5"
    let unknown = "/api/minima?p0=0.3&p01=0.1&p-child=0.2"
    let answers = try await get([repeated, unknown])
    XCTAssertEqual(answers[repeated]?.0, .badRequest)
    XCTAssertEqual(Self.errorLine(answers[repeated]?.1 ?? ""), "--p-parent: is given twice")
    XCTAssertEqual(answers[unknown]?.0, .badRequest)
    XCTAssertEqual(
      Self.errorLine(answers[unknown]?.1 ?? ""),
      "p-child: is not a parameter (case, p0, p01, p1, p-parent, p-child-if-parent, "
        + "p-child-if-no-parent, parent-magnitude, child-magnitude, l1, bias, t-min, t-max)")
  }

  /// The opening query of `serve` is read as a request's: a repeated name is refused.
  func testTheOpeningQueryIsReadAsARequest() throws {
    let server = LandscapeServer(cases: [], initialQuery: "")
    XCTAssertThrowsError(try server.resolve(query: "p0=0.3&p01=0.1&p0=0.2")) {
      XCTAssertEqual("\($0)", "--p0: is given twice")
    }
    XCTAssertThrowsError(try server.resolve(query: "p0=0.3&p01=0.1&steps=3")) {
      XCTAssertTrue("\($0)".hasPrefix("steps: is not a parameter (case, p0, "), "\($0)")
    }
    // p0 = 0.4 (1 - 0.25) = 0.3 and p01 = 0.4 * 0.25 = 0.1, exactly as decimals.
    XCTAssertEqual(
      try server.resolve(query: "p-parent=0.4&p-child-if-parent=0.25"),
      try LatentCase.hierarchy(p0: 0.3, p01: 0.1))
  }

  /// `serve` opens on the paper's form: the page's opening query carries it, and the API
  /// answers it as `minima` does.
  func testServeOpensOnThePapersForm() async throws {
    let serve = try Serve(
      binary: try XCTUnwrap(ServerBinary.url),
      arguments: ["--p-parent", "0.4", "--p-child-if-parent", "0.25", "--l1", "0.01"],
      in: ServerBinary.root)
    defer { serve.stop() }
    let run = try ServerBinary.run([
      "minima", "--p-parent", "0.4", "--p-child-if-parent", "0.25", "--l1", "0.01", "--json",
    ])
    XCTAssertEqual(run.status, 0, run.stderr)
    try await TestClient.withClient(host: "127.0.0.1", port: serve.port) { client in
      let page = try await client.get("/")
      XCTAssertEqual(page.status, .seeOther)
      let query = "p-parent=0.4&p-child-if-parent=0.25&l1=0.01"
      XCTAssertEqual(page.headers[.location], "/?" + query)
      let minima = try await client.get("/api/minima?" + query)
      XCTAssertEqual(String(buffer: minima.body ?? ByteBuffer()), String(decoding: run.stdout, as: UTF8.self))
    }
  }

  /// A bad paper's-form flag stops `serve` at once with the line the API would answer.
  func testServeRefusesABadPapersFormFlagAtOnce() throws {
    let run = try ServerBinary.run(["serve", "--p-parent", "2", "--p-child-if-parent", "0.25"])
    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(
      run.stderr,
      "landscape: --p-parent: \"2\" is not a probability in [0, 1] (see 'landscape serve --help')\n")
  }
}
