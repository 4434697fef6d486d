import ArgumentParser
import CaseFiles
import FigureComposition
import Foundation
import Reports
import SparseAutoencoders
import Studies
import ToyModels

/// `landscape path`: the expected loss along the straight line between two SAEs (or over
/// the plane through three).
struct PathCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "path",
    abstract: "The expected loss along the straight line between two SAEs, latents matched.",
    discussion: """
      The SAE at t is (1 - t) A + t B: encoder rows, encoder bias and decoder bias \
      interpolated linearly, each decoder row interpolated and then renormalised to unit \
      norm. B's latents are first matched to A's (the assignment maximising the summed \
      |cosine| of decoder rows, within Matryoshka blocks; no sign is flipped: a latent and \
      its negation are different functions under a relu). The ends are the files' SAEs \
      themselves, so their losses are sae-loss's. Each point reports mse and l2 (as \
      sae-loss) and the case's training loss (its train block's loss with its L1 term and \
      Matryoshka prefix weights). With --via C, the slice A + s (B - A) + u (C - A) over \
      the square s, u in [0, 1] (an N x N grid: the triangle A, B, C is its lower-left \
      half), drawn as a heat map. `truth` for --from (the default), --to or --via names \
      the true-features SAE: decoder rows at the features the case's latents track, encoder \
      and biases optimised on the same loss. Exact on an enumerable toy; on a sampled \
      toy estimated from one fixed set of --samples draws (seed --seed), the same at \
      every point, so the curve is smooth and deterministic.

      Examples:
        landscape path cases/sae-untied-hierarchy.json --from truth --to sae.json
        landscape path cases/sae-untied-hierarchy.json --to sae.json --plot p.png
        landscape path cases/sae-untied-hierarchy.json --to sae.json --csv -
      """)

  @Argument(help: "An SAE case file (JSON).")
  var caseFile: String

  @OptionGroup var set: SetOptions

  @Option(
    help: ArgumentHelp(
      "The SAE at t = 0: a file (JSON or SAELens) or truth (the default).", valueName: "SAE|truth"))
  var from = "truth"

  @Option(help: ArgumentHelp("The SAE at t = 1: a file (JSON or SAELens) or truth.", valueName: "SAE|truth"))
  var to: String

  @Option(
    help: ArgumentHelp(
      "A third SAE (a file or truth): the slice A + s(B - A) + u(C - A) as a heat map.",
      valueName: "SAE|truth"))
  var via: String?

  @Option(help: SAEFileFormat.help)
  var format: SAEFileFormat?

  @Option(
    parsing: .unconditional,
    help: "Points along the path, in 2...10001 (default 101); with --via per axis, in 2...201 (default 41).")
  var points: Int?

  @OptionGroup var estimate: EstimateOptions

  @Option(help: "Write the table (t,mse,l2,loss; with --via s,u,mse,l2,loss) to this file, or - for standard output.")
  var csv: String?

  @Option(help: "Draw the losses against t (with --via a heat map) to this file (.png, .svg or .pdf).")
  var plot: String?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  @Flag(help: "Print JSON: case, ends, matching, points, barrier.")
  var json = false

  func validate() throws {
    if json && csv == "-" {
      throw ValidationError("--csv -: standard output carries the JSON report with --json; give --csv a file")
    }
  }

  func run() throws {
    guard case .sae(let saeCase) = try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides())
    else {
      throw FieldError(
        field: "case", value: escapedForMessage(caseFile),
        reason: "is a single-latent case: path needs an SAE case (an sae block)")
    }
    let plotSize = try size?.plotSize(for: plot ?? "")
    if let plot { try FigureFile.check(plot) }
    if let csv { try OutputFile.check(csv, field: "--csv") }
    func end(_ text: String, _ flag: String) throws -> SAEPath.End {
      if text == "truth" { return .truth }
      let file = try SAEFiles.read(text, field: flag, features: saeCase.features, format: format)
      return .sae(file.sae, label: text)
    }
    let path = SAEPath(
      saeCase: saeCase, from: try end(from, "--from"), to: try end(to, "--to"),
      via: try via.map { try end($0, "--via") }, points: points, samples: estimate.samples,
      seed: estimate.seedValue)
    let report = try withTerminalProgress { try path.run($0) }
    if let csv { try OutputFile.write(Data(report.csv.utf8), to: csv, field: "--csv") }
    if let plot {
      if report.isSlice {
        try FigureFile.write(Figures.pathSlice(report, title: saeCase.title), to: plot, size: plotSize)
      } else {
        try FigureFile.write(Figures.pathChart(report, title: saeCase.title), to: plot, size: plotSize)
      }
    }
    if json {
      print(try ReportJSON.string(report))
    } else if csv != "-" {
      print(report.text, terminator: "")
    }
  }
}
