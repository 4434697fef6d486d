import CaseFiles
import Foundation
import Hummingbird
import Logging
import Landscape
import FigureComposition
import Plotting
import Reports
import Symbolic

/// The local page and its JSON API: every answer is computed exactly from the query, as the
/// command line computes it (`landscape minima --json`, `curve`, `symbolic --json`,
/// `curve --plot`).
///
/// Query parameters are the command line's flags without their dashes (`p0`, `p01`, `p1`,
/// `parent-magnitude`, `child-magnitude`, `l1`, `bias`, `t-min`, `t-max`, `points`), or
/// `case=NAME` for a served case file, which those override. A bad request answers 400
/// with `{"error": LINE}`, LINE being the line the command line prints after `landscape: `
/// (`--p0: 1.5 is not in [0, 1]`).
public struct LandscapeServer: Sendable {
  /// The most points `/api/curve` computes.
  public static let maximumPoints = 100_000
  /// The longest request URI answered.
  public static let maximumURILength = 4096
  /// The phase diagram's grid: this many values of p0 and of p01 in [0, 1].
  public static let phaseGridSize = 41

  /// The served single-latent cases by name (the file name without `.json`), in order.
  public let cases: [ServedCase]
  /// The query the page opens with when it is given none (`p0=0.3&p01=0.1`).
  public let initialQuery: String

  public init(cases: [ServedCase], initialQuery: String) {
    self.cases = cases
    self.initialQuery = initialQuery
  }

  /// Reads every single-latent case file in `folder` (SAE cases are left out; a file that
  /// does not load is an error naming it).
  public static func cases(in folder: String) throws -> [ServedCase] {
    let names = try FileManager.default.contentsOfDirectory(atPath: folder)
      .filter { $0.hasSuffix(".json") }.sorted()
    var served: [ServedCase] = []
    for file in names {
      let path = (folder as NSString).appendingPathComponent(file)
      guard case .landscape(let c, _) = try CaseDocument.load(contentsOf: path) else { continue }
      served.append(ServedCase(name: String(file.dropLast(5)), source: c))
    }
    return served
  }

  /// The routes: `/` (the page), `/page.js`, `/page.css`, and `/api/...`.
  public func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: LimitsMiddleware())
    router.get("/") { request, _ -> Response in
      if request.uri.query == nil && !initialQuery.isEmpty {
        return Response(status: .seeOther, headers: [.location: "/?" + initialQuery])
      }
      return try Self.resource("index.html", type: "text/html; charset=utf-8")
    }
    router.get("/page.js") { _, _ in
      try Self.resource("page.js", type: "text/javascript; charset=utf-8")
    }
    router.get("/page.css") { _, _ in
      try Self.resource("page.css", type: "text/css; charset=utf-8")
    }
    router.get("/api/cases") { _, _ in
      Self.answer(try ReportJSON.string(cases) + "\n", type: "application/json")
    }
    router.get("/api/minima") { request, _ in
      try respond {
        Self.answer(try ReportJSON.string(MinimaReport(try $0.resolve(request))) + "\n")
      }
    }
    router.get("/api/curve") { request, _ in
      try respond {
        let query = try $0.query(request, extra: ["points"])
        let points = try Self.points(query["points"])
        let c = try $0.resolve(query)
        return Self.answer(
          LossLandscape(c).curveCSV(points: points), type: "text/csv; charset=utf-8")
      }
    }
    router.get("/api/symbolic") { request, _ in
      try respond {
        let query = try $0.query(request)
        let c = try $0.resolve(query)
        do {
          return Self.answer(try SymbolicLandscape(c).json())
        } catch let error as CaseError {
          // Named as `symbolic --json` names it: the flag that set the field.
          let field = try Self.parameters(query).flagName(
            error.field, fromCaseFile: query["case"] != nil)
          let named = CaseError(field: field, value: error.value, reason: error.reason)
          return Self.answer(SymbolicLandscape.unsupportedJSON(name: c.name, error: named))
        }
      }
    }
    router.get("/api/phase") { request, _ in
      try respond { Self.answer(try ReportJSON.string(try PhaseGrid($0.resolve(request))) + "\n") }
    }
    for format in ImageFormat.allCases {
      router.get("/api/figure.\(format.rawValue)") { request, _ in
        try respond {
          let c = try $0.resolve(request)
          let bytes: [UInt8]
          do { bytes = try Plotter.data(Figures.lossChart(c), format: format) } catch let error {
            throw CaseError(field: "figure", value: "", reason: "\(error)")
          }
          let types: [ImageFormat: String] = [
            .png: "image/png", .svg: "image/svg+xml", .pdf: "application/pdf",
          ]
          return Self.answer(bytes, type: types[format] ?? "application/octet-stream")
        }
      }
    }
    return router
  }

  /// Runs `answer`, turning a `CaseError` (a bad parameter) into a 400 with its line.
  private func respond(_ answer: (LandscapeServer) throws -> Response) throws -> Response {
    do { return try answer(self) } catch let error as CaseError {
      return Self.error(error.description)
    }
  }

  /// A 400 answer: `{"error": LINE}`.
  static func error(_ line: String, status: HTTPResponse.Status = .badRequest) -> Response {
    let body = (try? ReportJSON.string(["error": line])) ?? "{}"
    var response = answer(body + "\n")
    response.status = status
    return response
  }

  static func answer(_ text: String, type: String = "application/json") -> Response {
    answer(Array(text.utf8), type: type)
  }

  static func answer(_ bytes: [UInt8], type: String) -> Response {
    Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  static func resource(_ name: String, type: String) throws -> Response {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Page"),
      let data = try? Data(contentsOf: url)
    else { throw HTTPError(.notFound) }
    return answer(Array(data), type: type)
  }

  /// The `points` parameter: 2 ... `maximumPoints` (default 201, as `curve`).
  static func points(_ text: String?) throws -> Int {
    guard let text else { return 201 }
    guard let n = Int(text) else {
      throw CaseError(field: "--points", value: "\"\(text)\"", reason: "is not a whole number")
    }
    if n < 2 { throw CaseError(field: "--points", value: "\(n)", reason: "is below 2") }
    if n > maximumPoints {
      throw CaseError(field: "--points", value: "\(n)", reason: "is above \(maximumPoints)")
    }
    return n
  }

  /// The request's query as names and values; a name that is not a parameter (nor one of
  /// `extra`), or one given twice, is an error naming it.
  func query(_ request: Request, extra: Set<String> = []) throws -> [String: String] {
    var values: [String: String] = [:]
    for (key, value) in request.uri.queryParameters {
      let name = String(key)
      guard name == "case" || extra.contains(name) || CaseParameters.names.contains(name) else {
        throw CaseError(
          field: name.isEmpty ? "query" : name, value: "",
          reason: "is not a parameter (case, "
            + (CaseParameters.names + extra.sorted()).joined(separator: ", ") + ")")
      }
      guard values.updateValue(String(value), forKey: name) == nil else {
        throw CaseError(field: "--\(name)", value: "", reason: "is given twice")
      }
    }
    return values
  }

  func resolve(_ request: Request) throws -> Case { try resolve(query(request)) }

  /// The query's case parameters (all but `case` and `points`).
  static func parameters(_ query: [String: String]) throws -> CaseParameters {
    var parameters = CaseParameters()
    for (name, value) in query where CaseParameters.names.contains(name) {
      _ = try parameters.set(name, to: value)
    }
    return parameters
  }

  /// The case a query string describes (`p0=0.3&p01=0.1`), as a request would.
  public func resolve(query text: String) throws -> Case {
    var values: [String: String] = [:]
    for item in text.split(separator: "&") {
      let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
      values[pair[0]] = pair.count > 1 ? (pair[1].removingPercentEncoding ?? pair[1]) : ""
    }
    return try resolve(values)
  }

  /// The case a query describes: `case=NAME` with overrides, or the hierarchy shorthand.
  func resolve(_ query: [String: String]) throws -> Case {
    let parameters = try Self.parameters(query)
    if let name = query["case"] {
      guard let served = cases.first(where: { $0.name == name }) else {
        throw CaseError(
          field: "case", value: "\"\(name)\"",
          reason: "is not a served case (" + cases.map(\.name).joined(separator: ", ") + ")")
      }
      return try parameters.applied(to: served.source)
    }
    return try parameters.hierarchy()
  }
}

/// A case file the server offers, by name.
public struct ServedCase: Sendable, Encodable {
  public var name: String
  public var source: Case

  public init(name: String, source: Case) {
    self.name = name
    self.source = source
  }

  private enum Keys: String, CodingKey {
    case name, title, features, patterns, l1, bias, tMin = "t_min", tMax = "t_max", hierarchy
  }

  private struct PatternEntry: Encodable {
    var name: String
    var probability: Double
    var magnitudes: [Double]
  }

  /// Its name, title, features, patterns (name, probability, magnitudes), penalty, bias
  /// (`none`, `optimal`, `centered` or the fixed vector as `FEATURE=B,...`), t range, and
  /// whether it is the two-feature hierarchy (patterns p0, p01 and maybe p1).
  public func encode(to encoder: any Encoder) throws {
    var e = encoder.container(keyedBy: Keys.self)
    try e.encode(name, forKey: .name)
    try e.encode(source.title, forKey: .title)
    try e.encode(source.features, forKey: .features)
    try e.encode(
      source.patterns.map {
        PatternEntry(name: $0.name, probability: $0.probability, magnitudes: $0.magnitudes)
      }, forKey: .patterns)
    try e.encode(source.penalty.coefficient, forKey: .l1)
    try e.encode(biasText, forKey: .bias)
    try e.encode(source.path.tMin, forKey: .tMin)
    try e.encode(source.path.tMax, forKey: .tMax)
    try e.encode(isHierarchy, forKey: .hierarchy)
  }

  var isHierarchy: Bool {
    source.features.count == 2
      && source.patterns.allSatisfy { ["p0", "p01", "p1"].contains($0.name) }
  }

  var biasText: String {
    switch source.bias {
    case .none: "none"
    case .optimal: "optimal"
    case .centered: "centered"
    case .fixed(let v):
      zip(source.features, v).map { "\($0)=\($1)" }.joined(separator: ",")
    }
  }
}

/// Refuses over-long request URIs (414) before any work, with the limit in the error.
struct LimitsMiddleware: RouterMiddleware {
  typealias Context = BasicRequestContext

  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let length = request.uri.string.utf8.count
    if length > LandscapeServer.maximumURILength {
      return LandscapeServer.error(
        "request: the URI is \(length) bytes, above the limit of "
          + "\(LandscapeServer.maximumURILength)", status: .uriTooLong)
    }
    return try await next(request, context)
  }
}

extension LandscapeServer {
  /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
  ///
  /// - Parameters:
  ///   - host: the address to bind (loopback by default in the command).
  ///   - port: 0 for a free port.
  ///   - onRunning: called once listening, with the page's address (`http://HOST:PORT/`).
  public func run(
    host: String, port: Int, onRunning: @escaping @Sendable (String) -> Void
  ) async throws {
    var logger = Logger(label: "landscape-serve")
    logger.logLevel = .warning
    let app = Application(
      router: router(),
      configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? port
        let shown = host.contains(":") ? "[\(host)]" : host
        onRunning("http://\(shown):\(port)/")
      },
      logger: logger)
    try await app.runService()
  }
}
