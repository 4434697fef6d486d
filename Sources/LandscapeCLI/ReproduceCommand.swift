import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import Studies
import ToyModels

struct ReproduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reproduce",
    abstract: "Render every case into figures and print a summary of their minima.",
    discussion: """
      For each case file in --cases: <out>/<name>.png, its MSE and L2 curves with every \
      minimum marked (and, for a case with a train block, the trained trajectory drawn on \
      the curve); for an SAE case (an sae block) the trained SAE's encoder and decoder \
      cosines with the true features; for an SAE case whose study block has plots, its \
      study's runs trained and each plot drawn (<name>.png, <name>-<plot name>.png). Also the hierarchy's phase diagram (phase-hierarchy.png) and the paper's \
      L1 overlay (overlay-l1.png) when single-latent-toy and single-latent-toy-l1 exist.

      Examples:
        landscape reproduce --cases cases --out figs --phase-points 21
        landscape reproduce --out figs --phase-points 41
      """)

  @Option(help: "The folder of case files.")
  var cases = "cases"

  @Option(help: "The folder the figures go to (it must exist).")
  var out = "figures"

  @Option(parsing: .unconditional, help: "Grid points per axis of the phase diagram.")
  var phasePoints = 401

  func validate() throws {
    if phasePoints < 2 || phasePoints > 4000 {
      throw ValidationError("--phase-points: \(phasePoints) is not in 2...4000.")
    }
  }

  func run() throws {
    let files = try caseFiles(in: cases)
    let documents = try files.map { try CaseDocument.load(contentsOf: $0) }
    let studies = try files.compactMap { try CaseStudy.load(contentsOf: $0) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw FieldError(flag: "--out", value: out, reason: "is not an existing folder")
    }
    let reproduction = Reproduction(
      documents: documents, phasePoints: phasePoints,
      jobs: ProcessInfo.processInfo.activeProcessorCount, studies: studies)
    let summary = try withTerminalProgress { control in
      try reproduction.run(control) { name, figure in
        let path = (out as NSString).appendingPathComponent("\(name).png")
        try FigureFile.write(try Self.chart(figure), to: path)
        print("rendered \(path)")
      }
    }
    print(summary, terminator: "")
  }

  /// The chart of a reproduced figure.
  static func chart(_ figure: Reproduction.Figure) throws -> any PlotFigure {
    switch figure {
    case .latent(let c, nil): return Figures.lossChart(c)
    case .latent(let c, let trained?):
      return try Figures.trainedChart(c, options: trained.options, result: trained.result)
    case .latentCosines(let report, let relation, let title):
      return Figures.latentCosines(report, relation: relation, title: title)
    case .growth(let grown, let title):
      return Figures.growthChart(grown.runs, scales: grown.scales, title: title)
    case .balance(let sweep, let title): return Figures.balanceChart(sweep, title: title)
    case .ensemble(let result, let title): return Figures.ensembleChart(result.report, title: title)
    case .phaseDiagram(let sweep, let rows):
      var map = try Figures.phaseDiagram(sweep, rows: rows, column: .mseT)
      map.title = Reproduction.phaseDiagramTitle
      return map
    case .overlay(let pair):
      return Figures.overlayChart(pair, title: Reproduction.overlayTitle)
    case .study(let table, let plot):
      return try Figures.studyChart(
        table: table, x: plot.x, y: plot.y, hue: plot.hue, color: plot.color, title: plot.title)
    }
  }
}

/// The *.json files in a folder, sorted.
func caseFiles(in folder: String) throws -> [String] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
    isDirectory.boolValue
  else {
    throw FieldError(flag: "--cases", value: folder, reason: "is not an existing folder")
  }
  let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
    $0.hasSuffix(".json")
  }.sorted()
  if names.isEmpty {
    throw FieldError(flag: "--cases", value: folder, reason: "holds no .json case files")
  }
  return names.map { (folder as NSString).appendingPathComponent($0) }
}
