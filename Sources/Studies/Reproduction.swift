import Foundation
import CaseFiles
import Landscape
import Reports
import SparseAutoencoders
import ToyModels
import Training

/// Reproducing every case: what each case's figure shows, computed (trained, grown, swept),
/// and the summary of their minima. What `landscape reproduce` runs; the caller draws each
/// figure as it is handed over.
public struct Reproduction: Sendable {
  /// The case documents, in the order of their files.
  public var documents: [CaseDocument]
  /// Grid points per axis of the hierarchy's phase diagram, in 2...4000.
  public var phasePoints: Int
  /// Threads of the phase diagram's sweep and of the studies' runs, >= 1.
  public var jobs: Int
  /// The case files' study blocks: a case whose block has plots is drawn as its study's
  /// figures (its runs trained), not as one trained SAE.
  public var studies: [CaseStudy]

  public init(documents: [CaseDocument], phasePoints: Int, jobs: Int, studies: [CaseStudy] = []) {
    self.documents = documents
    self.phasePoints = phasePoints
    self.jobs = jobs
    self.studies = studies
  }

  /// One figure's content, with the file name (without extension) it is drawn to.
  public enum Figure: Sendable {
    /// A single-latent case's MSE and L2 curves; with a train block, the trained run over the
    /// landscape it is checked against.
    case latent(LatentCase, training: (options: LatentTrainingPlan, result: LatentTrainingRun)?)
    /// An SAE case's trained SAE: its encoder and decoder cosines with the true features,
    /// beside how the toy's features fire together.
    case latentCosines(SAEReport, relation: FeatureRelation, title: String)
    /// An SAE case's growth.
    case growth(GrowthReport, title: String)
    /// An SAE case's balance sweep.
    case balance(BalanceSweep, title: String)
    /// An SAE case's ensemble.
    case ensemble(EnsembleResult, title: String)
    /// The two-feature hierarchy's phase diagram over p0 and p01 (colour: the MSE-optimal t).
    case phaseDiagram(Sweep, rows: [SweepRow?])
    /// The paper's L1 overlay: two cases' MSE curves.
    case overlay([LatentCase])
    /// One of a study block's figures, from the study's runs table.
    case study(StudyTable, StudyBlock.Plot)
  }

  /// The phase diagram's title.
  public static let phaseDiagramTitle =
    "Two-feature hierarchy: where MSE hedges and where L2 can undo it\nMSE-optimal t (colour) and the L2 regimes found by the sweep (lines)"
  /// The overlay's cases and title.
  public static let overlayCases = ["single-latent-toy", "single-latent-toy-l1"]
  public static let overlayTitle =
    "The paper's hierarchy (p0 = 0.2, p01 = 0.05): MSE with L1 coefficients 0 and 0.1"

  /// Computes every figure, handing each to `draw` (with its file name) as soon as it is
  /// ready, and returns the summary `reproduce` prints.
  public func run(
    _ control: RunControl = .none, draw: (_ name: String, Figure) throws -> Void
  ) throws -> String {
    let loaded = documents.compactMap { d -> (LatentCase, LatentTrainingPlan?)? in
      if case .latent(let c, let plan) = d { return (c, plan) }
      return nil
    }
    let studies = documents.compactMap { d -> SAECase? in
      if case .sae(let s) = d { return s }
      return nil
    }
    var summary = "case                    loss  minima (t: loss, * global)\n"
    for (c, plan) in loaded {
      try control.checkCancellation()
      summary += try reproduce(c, plan, control, draw)
    }
    var saeSummary = "SAE case                          decoder hedging mass per latent\n"
    let drawnStudies = self.studies.filter { !$0.block.plots.isEmpty }
    for saeCase in studies where !drawnStudies.contains(where: { $0.name == saeCase.name }) {
      saeSummary += try reproduce(saeCase, control, draw)
      if let plan = saeCase.balanceSweep {
        let sweep = try BalanceSweepRun(saeCase: saeCase, plan: plan).run(control)
        try draw("\(saeCase.name)-balance", .balance(sweep, title: saeCase.title))
      }
    }
    for saeCase in studies {
      guard let run = EnsembleRun(saeCase) else { continue }
      let result = try run.run(control)
      try draw("\(saeCase.name)-ensemble", .ensemble(result, title: result.title(saeCase)))
      saeSummary += result.summary(saeCase)
    }
    for caseStudy in drawnStudies {
      let start = ContinuousClock.now
      let table = try caseStudy.table(jobs: jobs, control)
      for plot in caseStudy.block.plots {
        try draw(plot.fileName(caseName: caseStudy.name), .study(table, plot))
      }
      let seconds = (ContinuousClock.now - start) / .seconds(1)
      saeSummary += TextTable.pad(caseStudy.name, 34)
        + "study: \(table.rows.count - table.failedCount) runs, \(table.failedCount) failed"
        + String(format: "  (%.1f s)", seconds) + "\n"
    }
    try control.checkCancellation()
    let phase = try Sweep(
      base: try LatentCase.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", from: 0, to: 0.5, count: phasePoints),
        SweepAxis(name: "p01", from: 0, to: 0.5, count: phasePoints),
      ])
    try draw("phase-hierarchy", .phaseDiagram(phase, rows: phase.rows(in: 0..<phase.count, jobs: jobs)))
    let pair = Self.overlayCases.compactMap { name in loaded.first { $0.0.name == name }?.0 }
    if pair.count == 2 { try draw("overlay-l1", .overlay(pair)) }
    var out = "\n" + summary
    if !studies.isEmpty { out += "\n" + saeSummary }
    return out
  }

  /// A single-latent case (trained when it has a train block); its summary lines.
  private func reproduce(
    _ c: LatentCase, _ training: LatentTrainingPlan?, _ control: RunControl,
    _ draw: (String, Figure) throws -> Void
  ) throws -> String {
    // With a learned decoder bias the run is checked against the optimal-bias landscape.
    var shown = c
    var trained: (options: LatentTrainingPlan, result: LatentTrainingRun)? = nil
    if let plan = training {
      var options = try LatentTrainingPlan(for: c, plan: plan)
      options.trajectoryInterval = max(1, plan.sae.steps / 60)
      shown = try TrainingTarget(for: c, options: options).analyticCase
      let report = try LatentCaseTraining(c, options: options).run(control)
      trained = (report.options, report.result)
    }
    try draw(c.name, .latent(c, training: trained))
    let landscape = LossLandscape(shown)
    var lines = ""
    for kind in LossKind.allCases {
      let minima = landscape.minima(kind).map {
        "\(TextTable.short($0.t)): \(TextTable.short($0.loss))\($0.isGlobal ? "*" : "")"
      }
      lines +=
        TextTable.pad(kind == .mse ? c.name : "", 24) + TextTable.pad(kind.rawValue, 6)
        + minima.joined(separator: ", ") + "\n"
    }
    return lines
  }

  /// An SAE case trained (a case with a grow block: grown); its summary line.
  private func reproduce(
    _ saeCase: SAECase, _ control: RunControl, _ draw: (String, Figure) throws -> Void
  ) throws -> String {
    if let growth = saeCase.growth {
      let start = ContinuousClock.now
      let grown = try GrowthRuns(saeCase: saeCase, growth: growth, plan: saeCase.plan)
        .run(control, label: "growing \(saeCase.name)")
      let seconds = (ContinuousClock.now - start) / .seconds(1)
      try draw(saeCase.name, .growth(grown, title: saeCase.title))
      func r(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }
      let rho =
        grown.runs.count > 1
        ? grown.rankCorrelationPerScale.map(r).joined(separator: "/") + " per scale, "
          + r(grown.rankCorrelation) + " pooled"
        : r(grown.rankCorrelation)
      let mean = SAEGrowthExpectation(.meanFractionOverBaseline).value(grown.runs) ?? .nan
      return TextTable.pad(saeCase.name, 34)
        + String(format: "growth: in new span - baseline %.3f (mean), rho ", mean) + rho
        + String(format: "  (%.1f s)", seconds) + "\n"
    }
    let trained = try SAECaseTraining(saeCase: saeCase, plan: saeCase.plan).run(control)
    let report = trained.report.report
    try draw(saeCase.name, .latentCosines(report, relation: saeCase.toy.featureRelation, title: saeCase.title))
    let masses = report.decoderLatents.map { String(format: "%.3f", $0.hedgingMass) }
    return TextTable.pad(saeCase.name, 34) + masses.joined(separator: " ")
      + String(format: "  (%.1f s)", trained.report.timing.seconds) + "\n"
  }
}
