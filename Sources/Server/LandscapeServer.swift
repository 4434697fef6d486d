import CaseFiles
import Foundation
import Hummingbird
import Landscape
import ToyModels

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

  /// The `points` parameter: 2 ... `maximumPoints` (default 201, as `curve`).
  static func points(_ text: String?) throws -> Int {
    guard let text else { return 201 }
    guard let n = Int(text) else {
      throw FieldError(flag: "--points", value: "\"\(text)\"", reason: "is not a whole number")
    }
    if n < 2 { throw FieldError(flag: "--points", value: "\(n)", reason: "is below 2") }
    if n > maximumPoints {
      throw FieldError(flag: "--points", value: "\(n)", reason: "is above \(maximumPoints)")
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
        throw FieldError(
          field: name.isEmpty ? "query" : name, value: "",
          reason: "is not a parameter (case, "
            + (CaseParameters.names + extra.sorted()).joined(separator: ", ") + ")")
      }
      guard values.updateValue(String(value), forKey: name) == nil else {
        throw FieldError(flag: "--\(name)", value: "", reason: "is given twice")
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
        throw FieldError(
          field: "case", value: "\"\(name)\"",
          reason: "is not a served case (" + cases.map(\.name).joined(separator: ", ") + ")")
      }
      return try parameters.applied(to: served.source)
    }
    return try parameters.hierarchy()
  }
}
