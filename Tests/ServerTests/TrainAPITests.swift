import CaseFiles
import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Studies
import XCTest

@testable import Server

/// `/api/train`: a run started by POST streams its updates and ends with the report
/// `train --json` prints (the same numbers, bit for bit); bad bodies answer 400 naming the
/// field, the limits 400 or 503 naming the limit; DELETE and an unclaimed run cancel.
final class TrainAPITests: XCTestCase {
  var folder: String!

  /// A hierarchy SAE trained exactly: fast, and every number deterministic.
  static let caseText = """
    {"name": "tiny", "title": "tiny hierarchy",
     "features": ["p", "a", "b"],
     "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.4,
                               "children": ["a", "b"], "child_probability": [0.25, 0.5]}]},
     "sae": {"latents": 2},
     "train": {"data": "exact", "loss": "mse", "l1": 0.01, "steps": 200, "lr": 0.01}}
    """

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("TrainAPITests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data(Self.caseText.utf8).write(
      to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("tiny.json")))
  }

  override func tearDownWithError() throws {
    if let folder { try? FileManager.default.removeItem(atPath: folder) }
  }

  func app(_ sessions: TrainingSessions? = nil) throws -> some ApplicationProtocol {
    let server = LandscapeServer(
      cases: [], initialQuery: "p0=0.3&p01=0.1", saeCases: try LandscapeServer.saeCases(in: folder))
    var pools = ComputePools()
    if let sessions { pools = ComputePools(training: sessions) }
    return Application(router: buildRouter(server, pools: pools))
  }

  static func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, String) {
    try await client.execute(
      uri: "/api/train", method: .post, headers: [.contentType: "application/json"],
      body: ByteBuffer(string: body)
    ) { ($0.status, String(buffer: $0.body)) }
  }

  static func id(_ answer: String) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
    return try XCTUnwrap(object?["id"] as? String, answer)
  }

  func testARunStreamsUpdatesAndEndsWithTrainsReport() async throws {
    let lines = try await app().test(.router) { client -> [String] in
      let list = try await client.execute(uri: "/api/train/cases", method: .get) { String(buffer: $0.body) }
      // Its fields, by hand from the case text: the numbers and the enumerated words.
      let fields = [
        ("hierarchy.groups[0].child_probability[0]", "0.25"),
        ("hierarchy.groups[0].child_probability[1]", "0.5"),
        ("hierarchy.groups[0].parent_probability", "0.4"), ("sae.latents", "2"),
        ("train.data", #""exact""#), ("train.l1", "0.01"), ("train.loss", #""mse""#),
        ("train.lr", "0.01"), ("train.steps", "200"),
      ].map { #"{"path":"\#($0.0)","value":\#($0.1)}"# }.joined(separator: ",")
      XCTAssertEqual(list, #"[{"fields":["# + fields + #"],"name":"tiny","title":"tiny hierarchy"}]"# + "\n")
      let (status, answer) = try await Self.post(client, #"{"case": "tiny", "set": {"sae.latents": 3}}"#)
      XCTAssertEqual(status, .ok, answer)
      let run = try Self.id(answer)
      let lines = try await client.execute(uri: "/api/train/\(run)/events", method: .get) { response in
        XCTAssertEqual(response.headers[.contentType], "text/event-stream")
        return String(buffer: response.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }
      }
      // The finished run's downloads: train --plot's figure and train --save's SAE file.
      let png = try await client.execute(uri: "/api/train/\(run)/figure.png", method: .get) {
        ($0.status, $0.headers[.contentType], Array($0.body.readableBytesView.prefix(8)))
      }
      XCTAssertEqual(png.0, .ok)
      XCTAssertEqual(png.1, "image/png")
      XCTAssertEqual(png.2, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      let file = try await client.execute(uri: "/api/train/\(run)/sae.json", method: .get) {
        String(buffer: $0.body)
      }
      let sae = try JSONSerialization.jsonObject(with: Data(file.utf8)) as? [String: Any]
      XCTAssertEqual(sae?["features"] as? [String], ["p", "a", "b"])
      XCTAssertEqual((sae?["decoder"] as? [[Double]])?.count, 3)
      let unknown = try await client.execute(uri: "/api/train/nope/figure.svg", method: .get) { $0.status }
      XCTAssertEqual(unknown, .notFound)
      return lines
    }
    XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("data: ") }, "\(lines)")
    let objects = try lines.map { line -> [String: ExactJSON] in
      guard case .object(let o) = try JSONDecoder().decode(ExactJSON.self, from: Data(line.dropFirst(6).utf8))
      else { throw XCTSkip("not an object: \(line)") }
      return o
    }
    // Updates: the step, and 3 x 3 cosine matrices; the last update is the last step.
    let updates = objects.dropLast()
    XCTAssertFalse(updates.isEmpty)
    XCTAssertEqual(updates.last?["step"], .integer(200))
    if case .array(let rows)? = updates.first?["decoder_cos"] { XCTAssertEqual(rows.count, 3) } else {
      XCTFail("no decoder_cos")
    }
    // The last: the report the command line prints for the same case and override.
    let report = try XCTUnwrap(objects.last)
    guard
      case .sae(let saeCase) = try CaseDocument(
        json: Data(Self.caseText.utf8), defaultName: "tiny",
        overrides: [FieldOverride(path: "sae.latents", value: .integer(3))])
    else { return XCTFail("not an SAE case") }
    let expected = try SAECaseTraining(saeCase: saeCase, plan: saeCase.plan).run().report
    guard case .object(let json) = try JSONDecoder().decode(ExactJSON.self, from: ReportJSON.data(expected))
    else { return XCTFail("no report") }
    for key in ["metrics", "decoder_cos", "encoder_cos", "decoder_bias", "decoder_latents"] {
      XCTAssertNotNil(json[key], key)
      XCTAssertEqual(report[key], json[key], key)
    }
    // The overrides, as train --set ... --json records them.
    XCTAssertEqual(report["overrides"], .object(["sae.latents": .integer(3)]))
  }

  func testBadBodiesAndLimitsNameTheField() async throws {
    let answers = try await app().test(.router) { client -> [(HTTPResponse.Status, String)] in
      var out: [(HTTPResponse.Status, String)] = []
      for body in [
        #"{"case": "huge"}"#, #"[1]"#, #"{"case": "tiny", "colour": 1}"#,
        #"{"case": "tiny", "set": {"train.steps": 200000}}"#,
        #"{"case": "tiny", "set": {"sae.latentz": 2}}"#,
        #"{"case": "tiny", "set": {"train.lr": -1}}"#,
        #"{"case_json": {"features": ["a", "b"], "patterns": [{"probability": 1, "fires": {"a": 1}}]}}"#,
        "{\"case\": \"tiny\", \"pad\": \"" + String(repeating: "x", count: 70_000) + "\"}",
      ] {
        out.append(try await Self.post(client, body))
      }
      out.append(
        try await client.execute(uri: "/api/train/nope/events", method: .get) {
          ($0.status, String(buffer: $0.body))
        })
      return out
    }
    let expected: [(HTTPResponse.Status, String)] = [
      (.badRequest, #"is not a served SAE case (tiny)"#),
      (.badRequest, "body: is not a JSON object"),
      (.badRequest, "body.colour: is not a field (case, case_json, set)"),
      (.badRequest, "train.steps: 200000 is above the page's limit of 100000"),
      (.badRequest, "latentz"),
      (.badRequest, "train.lr"),
      (.badRequest, "the page trains SAE cases"),
      (.contentTooLarge, "above the limit of 65536 bytes"),
      (.notFound, "is not a run waiting for its client"),
    ]
    for ((status, body), (want, text)) in zip(answers, expected) {
      XCTAssertEqual(status, want, body)
      XCTAssertTrue(body.contains(text), "\(body) lacks \(text)")
    }
  }

  /// One run at a time: the second answers 503 naming the limit; DELETE cancels the first,
  /// which then leaves; a run whose events nobody claims is cancelled after the timeout.
  func testTheLimitDeleteAndAnUnclaimedRun() async throws {
    let sessions = TrainingSessions(limit: 1, budget: 300, claimTimeout: 0.5)
    try await app(sessions).test(.router) { client in
      let long = #"{"case": "tiny", "set": {"train.steps": 100000}}"#
      let (status, answer) = try await Self.post(client, long)
      XCTAssertEqual(status, .ok, answer)
      let first = try Self.id(answer)
      let (busy, line) = try await Self.post(client, long)
      XCTAssertEqual(busy, .serviceUnavailable)
      XCTAssertTrue(line.contains("1 training runs are going, the limit"), line)
      let deleted = try await client.execute(uri: "/api/train/\(first)", method: .delete) {
        ($0.status, String(buffer: $0.body))
      }
      XCTAssertEqual(deleted.0, .ok, deleted.1)
      try await Self.waitUntil { sessions.running == 0 }
      // Unclaimed: cancelled and forgotten after 0.5 s.
      let (again, _) = try await Self.post(client, long)
      XCTAssertEqual(again, .ok)
      try await Self.waitUntil { sessions.kept == 0 }
      // A run that ends before its client comes keeps its events for it.
      let (short, quick) = try await Self.post(client, #"{"case": "tiny", "set": {"train.steps": 5}}"#)
      XCTAssertEqual(short, .ok)
      try await Self.waitUntil { sessions.running == 0 }
      let events = try await client.execute(uri: "/api/train/\(try Self.id(quick))/events", method: .get) {
        String(buffer: $0.body)
      }
      XCTAssertTrue(events.contains("\"decoder_latents\""), events)
      XCTAssertEqual(sessions.kept, 0)
    }
  }

  static func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<200 {
      if condition() { return }
      try await Task.sleep(for: .milliseconds(50))
    }
    XCTFail("not within 10 s")
  }
}

