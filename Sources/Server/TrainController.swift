import CaseFiles
import Foundation
import Hummingbird
import NIOCore
import SparseAutoencoders
import Studies
import ToyModels

/// Training SAE cases from the page, at `/api/train`:
///
///     GET    /api/train/cases        the served SAE cases: [{"name", "title"}]
///     POST   /api/train              {"case": NAME, "set": {FIELD: VALUE}} or
///                                    {"case_json": {...}, "set": {...}}  ->  {"id": ID}
///     GET    /api/train/ID/events    Server-Sent Events: one `data:` line of JSON per update
///                                    (`SAETrainingUpdate`: step, steps, loss, decoder_cos,
///                                    encoder_cos), at most every 100 ms; the last is the
///                                    report `landscape train --json` prints, or {"error"}
///     DELETE /api/train/ID           cancels the run
///
/// `set` is `--set`'s: each field path and its JSON value, checked as the case file's own.
/// A case beyond the page's limits (`TrainController.limits`) answers 400 naming the limit;
/// more runs than `TrainingSessions.limit` 503.
struct TrainController {
  let server: LandscapeServer
  let sessions: TrainingSessions

  /// The largest body of `POST /api/train`, in bytes.
  static let maximumBody = 64 * 1024
  /// The page's limits on what it trains: features, latents, dimensions, steps, batch.
  static let limits = (features: 64, latents: 64, dimensions: 256, steps: 100_000, batch: 16_384)

  var endpoints: RouteCollection<LandscapeRequestContext> {
    let routes = RouteCollection(context: LandscapeRequestContext.self)
    routes.add(middleware: APIErrorMiddleware())
    routes.get("cases") { _, _ in server.saeCases }
    routes.post(use: start)
    routes.get(":id/events", use: events)
    routes.delete(":id", use: stop)
    return routes
  }

  struct Started: ResponseEncodable { var id: String }

  @Sendable func start(_ request: Request, context: LandscapeRequestContext) async throws -> Started {
    var request = request
    let body: ByteBuffer
    do {
      body = try await request.collectBody(upTo: Self.maximumBody)
    } catch {
      throw APIError(
        "train: the request body is above the limit of \(Self.maximumBody) bytes",
        status: .contentTooLarge)
    }
    let training = try Self.training(Data(buffer: body), served: server.saeCases)
    return Started(id: try sessions.start(training))
  }

  /// The training a request body asks for, checked: the case (served by name, or given
  /// whole), `set`'s overrides applied, within `limits`.
  static func training(_ body: Data, served: [ServedSAECase]) throws -> SAECaseTraining {
    guard case .object(let fields)? = try? JSONDecoder().decode(ExactJSON.self, from: body) else {
      throw FieldError(field: "body", value: "", reason: "is not a JSON object")
    }
    for key in fields.keys.sorted() where !["case", "case_json", "set"].contains(key) {
      throw FieldError(
        field: "body.\(escapedForMessage(key, limit: 40))", value: "",
        reason: "is not a field (case, case_json, set)")
    }
    let caseJSON: Data
    let name: String
    switch (fields["case"], fields["case_json"]) {
    case (.string(let given)?, nil):
      guard let served = served.first(where: { $0.name == given }) else {
        throw FieldError(
          field: "case", value: "\"\(escapedForMessage(given, limit: 60))\"",
          reason: "is not a served SAE case (" + served.map(\.name).joined(separator: ", ") + ")")
      }
      (caseJSON, name) = (served.json, served.name)
    case (nil, .object?):
      caseJSON = try JSONEncoder().encode(fields["case_json"]!)
      name = "case"
    default:
      throw FieldError(
        field: "case", value: "", reason: "is required: a served case's name, or case_json, a whole case")
    }
    var overrides: [FieldOverride] = []
    if let set = fields["set"] {
      guard case .object(let entries) = set else {
        throw FieldError(field: "set", value: "", reason: "is not a JSON object of FIELD: VALUE")
      }
      for key in entries.keys.sorted() {
        guard let path = FieldPath(parsing: key) else {
          throw FieldError(
            field: "set", value: "\"\(escapedForMessage(key, limit: 60))\"", reason: "is not a field path")
        }
        overrides.append(FieldOverride(path: path, value: entries[key]!))
      }
    }
    guard case .sae(let saeCase) = try CaseDocument(json: caseJSON, defaultName: name, overrides: overrides)
    else {
      throw FieldError(field: "case", value: name, reason: "is a single-latent case: the page trains SAE cases")
    }
    let plan = saeCase.plan
    let n = saeCase.features.count
    let checks: [(String, Int, Int)] = [
      ("features", n, limits.features), ("sae.latents", saeCase.architecture.latents, limits.latents),
      ("train.dim", plan.dimension ?? n, limits.dimensions), ("train.steps", plan.steps, limits.steps),
      ("train.batch", plan.data == .exact ? 0 : plan.batch, limits.batch),
    ]
    for (field, value, limit) in checks where value > limit {
      throw FieldError(field: field, value: "\(value)", reason: "is above the page's limit of \(limit)")
    }
    return SAECaseTraining(saeCase: saeCase, plan: plan)
  }

  @Sendable func events(_ request: Request, context: LandscapeRequestContext) async throws -> Response {
    let id = try context.parameters.require("id")
    guard let stream = sessions.claim(id) else {
      throw APIError(
        "train: \(escapedForMessage(id, limit: 60)) is not a run waiting for its client",
        status: .notFound)
    }
    let sessions = self.sessions
    let forget = await context.client?.whenGone { sessions.cancel(id, why: "its client left") }
    return Response(
      status: .ok,
      headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
      body: ResponseBody { writer in
        defer {
          forget?()
          sessions.release(id)
        }
        do {
          for await line in stream {
            try await writer.write(ByteBuffer(string: "data: \(line)\n\n"))
          }
        } catch {
          sessions.cancel(id, why: "its client left")
          throw error
        }
        try await writer.finish(nil)
      })
  }

  struct Stopped: ResponseEncodable { var cancelled: String }

  @Sendable func stop(_ request: Request, context: LandscapeRequestContext) async throws -> Stopped {
    let id = try context.parameters.require("id")
    guard sessions.cancel(id, why: "deleted by its client") else {
      throw APIError("train: \(escapedForMessage(id, limit: 60)) is not a running run", status: .notFound)
    }
    return Stopped(cancelled: id)
  }
}

/// An SAE case file the server offers for training, by name.
public struct ServedSAECase: Sendable, Encodable {
  public var name: String
  public var title: String
  /// The file's bytes, read by each run with its overrides.
  public var json: Data

  public init(name: String, title: String, json: Data) {
    self.name = name
    self.title = title
    self.json = json
  }

  enum CodingKeys: String, CodingKey { case name, title }
}
