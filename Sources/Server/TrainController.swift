import CaseFiles
import Foundation
import Hummingbird
import NIOCore
import Plotting
import FigureComposition
import SparseAutoencoders
import Studies
import ToyModels

/// Training SAE cases from the page, at `/api/train`:
///
///     GET    /api/train/cases        the served SAE cases: [{"name", "title", "fields":
///                                    [{"path", "value"}]}] (the fields the page offers)
///     POST   /api/train              {"case": NAME, "set": {FIELD: VALUE}} or
///                                    {"case_json": {...}, "set": {...}}  ->  {"id": ID}
///     GET    /api/train/ID/events    Server-Sent Events: one `data:` line of JSON per update
///                                    (`SAETrainingUpdate`: step, steps, loss, decoder_cos,
///                                    encoder_cos), at most every 100 ms; the last is the
///                                    report `landscape train --json` prints, or {"error"}
///     DELETE /api/train/ID           cancels the run
///     GET    /api/train/ID/figure.png|svg|pdf   a finished run's figure (`train --plot`'s)
///     GET    /api/train/ID/sae.json  a finished run's SAE file (`train --save`'s)
///
/// `set` is `--set`'s: each field path and its JSON value, checked as the case file's own.
/// A case beyond the page's limits (`TrainController.limits`) answers 400 naming the limit;
/// more runs than `TrainingSessions.limit` 503.
struct TrainController {
  let server: LandscapeServer
  let sessions: TrainingSessions
  /// Where the figures are drawn.
  let heavy: ComputePool

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
    for format in ImageFormat.allCases {
      routes.get(":id/figure.\(format.rawValue)") { request, context in
        try await figure(request, context: context, format: format)
      }
    }
    routes.get(":id/sae.json") { request, context -> Answer in
      let run = try finished(context)
      guard let file = run.saeFile else {
        throw APIError("train: the run's SAE is in more dimensions than features: no SAE file", status: .notFound)
      }
      return Answer(Array(file) + Array("\n".utf8), type: "application/json")
    }
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
    let (training, overrides) = try Self.training(Data(buffer: body), served: server.saeCases)
    return Started(id: try sessions.start(training, overrides: overrides))
  }

  /// The finished run the request's id names.
  func finished(_ context: LandscapeRequestContext) throws -> TrainingSessions.Finished {
    let id = try context.parameters.require("id")
    guard let run = sessions.result(id) else {
      throw APIError(
        "train: \(escapedForMessage(id, limit: 60)) is not a finished run (the last \(TrainingSessions.keptResults) are kept)",
        status: .notFound)
    }
    return run
  }

  /// A finished run's figure: `landscape train CASE --plot FILE`'s.
  func figure(_ request: Request, context: LandscapeRequestContext, format: ImageFormat)
    async throws -> Answer
  {
    let run = try finished(context)
    let bytes = try await heavy.run(client: await context.client) { _ in
      do {
        return try Plotter.data(
          Figures.latentCosines(run.report.report, relation: run.relation, title: run.title),
          format: format)
      } catch let error {
        throw FieldError(field: "figure", value: "", reason: "\(error)")
      }
    }
    let types: [ImageFormat: String] = [
      .png: "image/png", .svg: "image/svg+xml", .pdf: "application/pdf",
    ]
    return Answer(bytes, type: types[format] ?? "application/octet-stream")
  }

  /// The training a request body asks for, checked: the case (served by name, or given
  /// whole), `set`'s overrides applied, within `limits`.
  static func training(_ body: Data, served: [ServedSAECase]) throws
    -> (SAECaseTraining, [FieldOverride])
  {
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
    return (SAECaseTraining(saeCase: saeCase, plan: plan), overrides)
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

  enum CodingKeys: String, CodingKey { case name, title, fields }

  /// One field the page offers to change: its path (as `--set` names it) and its value.
  struct Field: Encodable {
    var path: String
    var value: ExactJSON
  }

  /// The case's fields a researcher changes: every number and true/false, and the enumerated
  /// words (`loss`, `data`, `activation`, `optimizer`), in path order; not the names, the
  /// feature lists, a correlation matrix, nor the expect, study, grow, ensemble and
  /// balance_sweep blocks.
  var fields: [Field] {
    guard let root = try? JSONDecoder().decode(ExactJSON.self, from: json) else { return [] }
    var out: [Field] = []
    let skipped: Set<String> = [
      "name", "title", "features", "expect", "study", "grow", "ensemble", "balance_sweep", "matrix",
    ]
    let words: Set<String> = ["loss", "data", "activation", "optimizer"]
    func walk(_ value: ExactJSON, _ path: String, _ key: String) {
      switch value {
      case .object(let o):
        for k in o.keys.sorted() where !skipped.contains(k) {
          walk(o[k]!, path.isEmpty ? k : "\(path).\(k)", k)
        }
      case .array(let a):
        for (i, v) in a.enumerated() { walk(v, "\(path)[\(i)]", key) }
      case .integer, .number, .bool: out.append(Field(path: path, value: value))
      case .string where words.contains(key): out.append(Field(path: path, value: value))
      default: break
      }
    }
    walk(root, "", "")
    return out
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(title, forKey: .title)
    try c.encode(fields, forKey: .fields)
  }
}
