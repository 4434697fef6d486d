import CaseFiles
import Foundation
import Hummingbird
import Landscape
import ToyModels

/// The local page and its JSON API: every answer is computed exactly from the query, as the
/// command line computes it (`landscape minima --json`, `curve`, `symbolic --json`,
/// `curve --plot`).
///
/// Query parameters are the command line's flags without their dashes (the names of
/// `CaseParameters.table`: `p0`, `p01`, `p1`, the paper's `p-parent`, `p-child-if-parent`,
/// `p-child-if-no-parent`, `parent-magnitude`, `child-magnitude`, `l1`, `bias`, `t-min`,
/// `t-max`, and `points` for a curve), or `case=NAME` for a served case file, which those
/// override as the flags override a case file. A name given twice, or not a parameter, is
/// refused. A bad request answers 400
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
  /// The served SAE cases, which `/api/train` trains, in order.
  public let saeCases: [ServedSAECase]

  public init(cases: [ServedCase], initialQuery: String, saeCases: [ServedSAECase] = []) {
    self.cases = cases
    self.initialQuery = initialQuery
    self.saeCases = saeCases
  }

  /// The `points` parameter: 2 ... `maximumPoints` (default 201, as `curve`).
  static func points(_ text: String?) throws -> Int {
    guard let text else { return 201 }
    var parameters = CaseParameters()
    _ = try parameters.set("points", to: text)
    let n = parameters.points!
    if n > maximumPoints {
      throw FieldError(flag: "--points", value: "\(n)", reason: "is above \(maximumPoints)")
    }
    return n
  }

  /// The request's query as names and values (see `query(_:extra:)`).
  func query(_ request: Request, extra: Set<String> = []) throws -> [String: String] {
    try Self.query(request.uri.queryParameters.map { key, value in (String(key), String(value)) }, extra: extra)
  }

  /// A query's names and values; a name that is not a parameter (`case`, a name of
  /// `CaseParameters.names`, or one of `extra`), or one given twice, is an error naming it.
  static func query(_ items: [(String, String)], extra: Set<String> = []) throws -> [String: String] {
    var values: [String: String] = [:]
    for (name, value) in items {
      guard name == "case" || extra.contains(name) || CaseParameters.names.contains(name) else {
        throw FieldError(
          field: name.isEmpty ? "query" : name, value: "",
          reason: "is not a parameter (case, "
            + (CaseParameters.names + extra.sorted()).joined(separator: ", ") + ")")
      }
      guard values.updateValue(value, forKey: name) == nil else {
        throw FieldError(flag: "--\(name)", value: "", reason: "is given twice")
      }
    }
    return values
  }

  func resolve(_ request: Request) throws -> LatentCase { try resolve(query(request)) }

  /// The query's case parameters (all but `case` and `points`), each parsed by its entry of
  /// `CaseParameters.table`.
  static func parameters(_ query: [String: String]) throws -> CaseParameters {
    try CaseParameters(
      texts: CaseParameters.names.map { name in (name, query[name]) })
  }

  /// The case a query string describes (`p0=0.3&p01=0.1`), by the rules of a request's:
  /// a name that is not a parameter, or one given twice, is an error naming it.
  public func resolve(query text: String) throws -> LatentCase {
    let items = text.split(separator: "&").map { item in
      let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
      let value = pair.count > 1 ? pair[1] : ""
      return (pair[0], value.removingPercentEncoding ?? value)
    }
    return try resolve(Self.query(items))
  }

  /// The case a query describes: `case=NAME` with overrides, or the hierarchy shorthand.
  func resolve(_ query: [String: String]) throws -> LatentCase {
    let parameters = try Self.parameters(query)
    if let name = query["case"] {
      guard let served = cases.first(where: { $0.name == name }) else {
        throw FieldError(
          field: "case", value: "\"\(name)\"",
          reason: "is not a served case (" + cases.map(\.name).joined(separator: ", ") + ")")
      }
      return try parameters.applied(to: served.source)
    }
    return try parameters.hierarchy()
  }
}
