import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import Server
import ToyModels

struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "A local page where the curves, minima and formulas follow sliders, exactly.",
    discussion: """
      Serves the page and its JSON API (/api/minima, /api/curve, /api/symbolic, \
      /api/figure.png|svg|pdf, /api/phase, /api/cases) until Ctrl-C. The page opens on \
      the case given (a case file in the served folder, the hierarchy flags or the paper's \
      form), else on --p0 0.3 --p01 0.1. The API's parameters are the flags' names without the dashes; a bad \
      one answers 400 with {"error": LINE}, the line this command would print after \
      'landscape: '. There is no authentication: bind another host than loopback only on a \
      network you trust. A request computes on a bounded pool for at most --cpu-budget \
      seconds of CPU (then it answers 503) and stops when its client goes; a silent \
      connection is closed after 20 s. Only files in the served folder are read; without \
      a cases/ folder the page serves the hierarchy flags alone. The page also trains the \
      served SAE cases live (POST /api/train, its events at /api/train/ID/events as \
      Server-Sent Events, DELETE /api/train/ID), at most --training-runs at once.

      Examples:
        landscape serve
        landscape serve cases/skew-parent.json --port 8080
      """)

  @Argument(help: "A case file in the served folder to open the page on.")
  var caseFile: String?

  @OptionGroup var probabilities: ProbabilityOptions

  @OptionGroup var model: ModelOptions

  @Option(help: "The folder of case files the page offers (default: cases, when there is one).")
  var cases: String?

  @Option(
    parsing: .unconditional,
    help: "The CPU seconds one request may compute before it answers 503.")
  var cpuBudget = 10.0

  @Option(parsing: .unconditional, help: "The port to listen on (0: a free port, printed).")
  var port = 8000

  @Option(help: "The address to bind (default: loopback only).")
  var host = "127.0.0.1"

  @Option(
    parsing: .unconditional,
    help: "SAE training runs at once (POST /api/train); more answer 503.")
  var trainingRuns = 2

  func validate() throws {
    if !(0...65535).contains(port) { throw ValidationError("--port: \(port) is not in 0...65535") }
    if !(cpuBudget > 0 && cpuBudget.isFinite) {
      throw ValidationError("--cpu-budget: \(cpuBudget) is not a positive number of seconds")
    }
    if !(1...16).contains(trainingRuns) {
      throw ValidationError("--training-runs: \(trainingRuns) is not in 1...16")
    }
  }

  /// The query the page opens with: the case and flags as the API's parameters, each
  /// written by its `CaseParameters.table` entry (the shorthand's default p0 = 0.3,
  /// p01 = 0.1 when neither the shorthand nor the paper's form is given).
  func initialQuery(served: [ServedCase]) throws -> String {
    var items: [(String, String)] = []
    var parameters = try model.parameters(probabilities)
    if let caseFile {
      let name = ((caseFile as NSString).lastPathComponent as NSString).deletingPathExtension
      guard served.contains(where: { $0.name == name }) else {
        throw FieldError(
          field: "case", value: caseFile,
          reason: "is not a single-latent case in the served folder \(cases ?? "cases")")
      }
      items.append(("case", name))
    } else if !parameters.usesPaperForm {
      parameters.p0 = parameters.p0 ?? 0.3
      parameters.p01 = parameters.p01 ?? 0.1
    }
    items += parameters.texts.map { ($0.name, $0.text) }
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+")
    return items.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $1)" }
      .joined(separator: "&")
  }

  /// The served cases: those in `--cases`, else in `cases` when there is such a folder,
  /// else none (said in one line on standard error).
  /// The served SAE cases (`/api/train`): those of the same folder.
  func servedSAECases() throws -> [ServedSAECase] {
    var isFolder: ObjCBool = false
    let folder = cases ?? "cases"
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue
    else { return [] }
    return try LandscapeServer.saeCases(in: folder)
  }

  func servedCases() throws -> [ServedCase] {
    var isFolder: ObjCBool = false
    let folder = cases ?? "cases"
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue
    else {
      if let cases { throw FieldError(flag: "--cases", value: cases, reason: "is not a folder") }
      warn("no cases/ folder here: serving no case files, only the hierarchy flags (--cases)")
      return []
    }
    return try LandscapeServer.cases(in: folder) { path in
      warn("\(path) leads out of \(folder): not served")
    }
  }

  private func warn(_ line: String) {
    FileHandle.standardError.write(Data("landscape: warning: \(line)\n".utf8))
  }

  func run() async throws {
    let served = try servedCases()
    let server = LandscapeServer(
      cases: served, initialQuery: try initialQuery(served: served), saeCases: try servedSAECases())
    // Checks the opening case now, so that a bad flag is the usual one-line error.
    _ = try server.resolve(query: server.initialQuery)
    if !["127.0.0.1", "localhost", "::1"].contains(host) {
      warn("serving on \(host): the page has no authentication")
    }
    try await server.run(
      host: host, port: port, limits: ServeLimits(cpuBudget: cpuBudget, trainingRuns: trainingRuns)
    ) {
      address in
      FileHandle.standardOutput.write(
        Data("landscape: serving on \(address) (Ctrl-C stops)\n".utf8))
    }
  }
}
