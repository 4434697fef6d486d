import CaseFiles
import Hummingbird
import Landscape
import FigureComposition
import Plotting
import Symbolic
import ToyModels

extension MinimaReport: ResponseEncodable {}

/// The JSON API, at `/api`: `minima`, `curve`, `symbolic`, `phase`,
/// `figure.png|svg|pdf` and `cases`.
///
/// Every computation runs on a `ComputePool`: `minima` and `symbolic` (bounded by the
/// case) on `quick`, the curve, the phase diagram and the figures (which grow with their
/// points, or cost seconds with a penalised optimal bias) on `heavy`, so that the second
/// never holds up the first.
struct APIController {
  let server: LandscapeServer
  let quick: ComputePool
  let heavy: ComputePool

  /// The rows of `/api/curve` computed between two checks of the computation's budget.
  static let curveBlock = 64

  var endpoints: RouteCollection<LandscapeRequestContext> {
    let routes = RouteCollection(context: LandscapeRequestContext.self)
    routes.add(middleware: APIErrorMiddleware())
    routes.get("cases", use: cases)
    routes.get("minima", use: minima)
    routes.get("curve", use: curve)
    routes.get("symbolic", use: symbolic)
    routes.get("phase", use: phase)
    for format in ImageFormat.allCases {
      routes.get("figure.\(format.rawValue)") { request, context in
        try await figure(request, context: context, format: format)
      }
    }
    return routes
  }

  @Sendable func cases(_ request: Request, context: LandscapeRequestContext) -> [ServedCase] {
    server.cases
  }

  /// `landscape minima --json`.
  @Sendable func minima(_ request: Request, context: LandscapeRequestContext) async throws
    -> MinimaReport
  {
    let c = try server.resolve(request)
    return try await quick.run(client: await context.client) { _ in try MinimaReport(c) }
  }

  /// `landscape curve` (CSV), `points` rows (default 201).
  @Sendable func curve(_ request: Request, context: LandscapeRequestContext) async throws
    -> Answer
  {
    let query = try server.query(request, extra: ["points"])
    let points = try LandscapeServer.points(query["points"])
    let c = try server.resolve(query)
    let bytes = try await heavy.run(client: await context.client) { computation in
      var bytes: [UInt8] = []
      try LossLandscape(c).curveCSV(points: points, block: Self.curveBlock) {
        bytes += $0.bytes
        try computation.check()
      }
      return bytes
    }
    return Answer(bytes, type: "text/csv; charset=utf-8")
  }

  /// `landscape symbolic --json`; a case out of its scope is `"supported": false`.
  @Sendable func symbolic(_ request: Request, context: LandscapeRequestContext) async throws
    -> Answer
  {
    let query = try server.query(request)
    let c = try server.resolve(query)
    let fromCaseFile = query["case"] != nil
    let parameters = try LandscapeServer.parameters(query)
    let text = try await quick.run(client: await context.client) { _ in
      do {
        return try SymbolicLandscape(c).json()
      } catch let error as FieldError {
        // Named as `symbolic --json` names it: the flag that set the field.
        let named = parameters.named(error, fromCaseFile: fromCaseFile)
        return SymbolicLandscape.unsupportedJSON(name: c.name, error: named)
      }
    }
    return Answer(text, type: "application/json")
  }

  /// The phase diagram over p0 and p01 (`PhaseGrid`).
  @Sendable func phase(_ request: Request, context: LandscapeRequestContext) async throws
    -> PhaseGrid
  {
    let c = try server.resolve(request)
    return try await heavy.run(client: await context.client) { computation in
      try PhaseGrid(c) { computation.isStopped }
    }
  }

  /// `landscape curve --plot` as PNG, SVG or PDF.
  func figure(_ request: Request, context: LandscapeRequestContext, format: ImageFormat)
    async throws -> Answer
  {
    let c = try server.resolve(request)
    let bytes = try await heavy.run(client: await context.client) { _ in
      do { return try Plotter.data(Figures.lossChart(c), format: format) } catch let error {
        throw FieldError(field: "figure", value: "", reason: "\(error)")
      }
    }
    let types: [ImageFormat: String] = [
      .png: "image/png", .svg: "image/svg+xml", .pdf: "application/pdf",
    ]
    return Answer(bytes, type: types[format] ?? "application/octet-stream")
  }
}
