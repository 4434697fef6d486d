import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import SparseAutoencoders
import Training

struct ReproduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reproduce",
    abstract: "Render every case into figures and print a summary of their minima.",
    discussion: """
      For each case file in --cases: <out>/<name>.png, its MSE and L2 curves with every \
      minimum marked (and, for a case with a train block, the trained trajectory drawn on \
      the curve); for an SAE case (an sae block) the trained SAE's encoder and decoder \
      cosines with the true features. Also the hierarchy's phase diagram (phase-hierarchy.png) and the paper's \
      L1 overlay (overlay-l1.png) when single-latent-toy and single-latent-toy-l1 exist.

      Examples:
        landscape reproduce --cases cases --out figs --phase-points 21
        landscape reproduce --out figs --phase-points 41
      """)

  @Option(help: "The folder of case files.")
  var cases = "cases"

  @Option(help: "The folder the figures go to (it must exist).")
  var out = "figures"

  @Option(help: "Grid points per axis of the phase diagram.")
  var phasePoints = 401

  func validate() throws {
    if phasePoints < 2 || phasePoints > 4000 {
      throw ValidationError("--phase-points: \(phasePoints) is not in 2...4000.")
    }
  }

  func run() throws {
    let files = try caseFiles(in: cases)
    let documents = try files.map { try CaseDocument.load(contentsOf: $0) }
    let loaded = documents.compactMap { d -> (Case, TrainingOptions?)? in
      if case .landscape(let c, let plan) = d { return (c, plan) }
      return nil
    }
    let studies = documents.compactMap { d -> SAEStudy? in
      if case .sae(let s) = d { return s }
      return nil
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw CaseError(field: "--out", value: out, reason: "is not an existing folder")
    }
    var summary = "case                    loss  minima (t: loss, * global)\n"
    for (c, plan) in loaded { summary += try render(c, plan) }
    var saeSummary = "SAE case                          decoder hedging mass per latent\n"
    for study in studies {
      saeSummary += try render(study)
      try renderBalanceSweep(study)
    }
    saeSummary += try EnsembleCommand.render(studies, out: out)
    try renderPhaseDiagram()
    try renderOverlay(loaded.map(\.0))
    print()
    print(summary, terminator: "")
    if !studies.isEmpty {
      print()
      print(saeSummary, terminator: "")
    }
  }

  /// The file `name`.png in the output folder.
  private func figurePath(_ name: String) -> String {
    (out as NSString).appendingPathComponent("\(name).png")
  }

  /// Draws a single-latent case (with its training run over the landscape it is checked
  /// against, when it has a train block); returns its summary lines.
  private func render(_ c: Case, _ training: TrainingOptions?) throws -> String {
    // With a learned decoder bias the run is checked against the optimal-bias landscape.
    var shown = c
    var chart = Figures.lossChart(c)
    if let plan = training {
      var options = try TrainingOptions(for: c, plan: plan)
      options.trajectoryInterval = max(1, plan.steps / 60)
      shown = try TrainingTarget(for: c, options: options).analyticCase
      let result = try Trainer(c, options: options).run()
      chart = try Figures.trainedChart(c, options: options, result: result)
    }
    let path = figurePath(c.name)
    try FigureFile.write(chart, to: path)
    print("rendered \(path)")
    let landscape = LossLandscape(shown)
    var lines = ""
    for kind in LossKind.allCases {
      let minima = landscape.minima(kind).map {
        "\(Figures.short($0.t)): \(Figures.short($0.loss))\($0.isGlobal ? "*" : "")"
      }
      lines +=
        pad(kind == .mse ? c.name : "", 24) + pad(kind.rawValue, 6)
        + minima.joined(separator: ", ") + "\n"
    }
    return lines
  }

  /// Trains an SAE case and draws its cosines (a case with a grow block: its growth);
  /// returns its summary line.
  private func render(_ study: SAEStudy) throws -> String {
    if let growth = study.growth { return try render(study, growth) }
    let (sae, embedding, timing) = try SAETraining(
      study: study, plan: study.plan, initFrom: nil
    ).run()
    let report = SAEReport(sae, study: study, basis: embedding?.basis, seed: study.plan.seed)
    let path = figurePath(study.name)
    try FigureFile.write(Figures.latentCosines(report, title: study.title), to: path)
    print("rendered \(path)")
    let masses = report.decoderLatents.map { String(format: "%.3f", $0.hedgingMass) }
    return pad(study.name, 34) + masses.joined(separator: " ")
      + String(format: "  (%.1f s)", timing.seconds) + "\n"
  }

  /// Grows an SAE case's SAE and draws the growth; returns its summary line.
  private func render(_ study: SAEStudy, _ growth: SAEGrowthStudy) throws -> String {
    let start = ContinuousClock.now
    let runs = try GrowthRuns.run(study, growth, study.plan, label: "growing \(study.name)")
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    let path = figurePath(study.name)
    try FigureFile.write(
      Figures.growthChart(runs, scales: growth.correlationScales, title: study.title), to: path)
    print("rendered \(path)")
    let rho = SAEGrowth.pooledRankCorrelation(runs).map { String(format: "%.2f", $0) } ?? "-"
    let mean = SAEGrowthExpectation(.meanFractionOverBaseline).value(runs) ?? .nan
    return pad(study.name, 34)
      + String(format: "growth: in new span - baseline %.3f (mean), rho ", mean) + rho
      + String(format: "  (%.1f s)", seconds) + "\n"
  }

  /// The hierarchy's phase diagram, phase-hierarchy.png.
  private func renderPhaseDiagram() throws {
    let phase = try Sweep(
      base: try Case.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", from: 0, to: 0.5, count: phasePoints),
        SweepAxis(name: "p01", from: 0, to: 0.5, count: phasePoints),
      ])
    let rows = phase.rows(in: 0..<phase.count, jobs: ProcessInfo.processInfo.activeProcessorCount)
    var map = try Figures.phaseDiagram(phase, rows: rows, column: .mseT)
    map.title =
      "Two-feature hierarchy: where MSE hedges and where L2 can undo it\nMSE-optimal t (colour) and the L2 regimes found by the sweep (lines)"
    let path = figurePath("phase-hierarchy")
    try FigureFile.write(map, to: path)
    print("rendered \(path)")
  }

  /// The paper's L1 overlay, overlay-l1.png, when both of its cases are present.
  private func renderOverlay(_ loaded: [Case]) throws {
    let pair = ["single-latent-toy", "single-latent-toy-l1"].compactMap { name in
      loaded.first { $0.name == name }
    }
    guard pair.count == 2 else { return }
    let path = figurePath("overlay-l1")
    try FigureFile.write(
      Figures.overlayChart(
        pair,
        title: "The paper's hierarchy (p0 = 0.2, p01 = 0.05): MSE with L1 coefficients 0 and 0.1"),
      to: path)
    print("rendered \(path)")
  }
}

/// The *.json files in a folder, sorted.
func caseFiles(in folder: String) throws -> [String] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
    isDirectory.boolValue
  else {
    throw CaseError(field: "--cases", value: folder, reason: "is not an existing folder")
  }
  let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
    $0.hasSuffix(".json")
  }.sorted()
  if names.isEmpty {
    throw CaseError(field: "--cases", value: folder, reason: "holds no .json case files")
  }
  return names.map { (folder as NSString).appendingPathComponent($0) }
}
