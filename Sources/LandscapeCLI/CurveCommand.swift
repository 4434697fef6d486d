import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting

struct CurveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "curve",
    abstract: "MSE and L2 (each with the penalty, if any) at evenly spaced t, as CSV.",
    discussion: """
      The exact expected losses of the model, relu applied; no sampling. Columns: t,mse,l2; \
      with --bias-columns also the decoder bias each loss uses at t, one column per feature \
      (mse_bias_FEATURE, l2_bias_FEATURE; with --bias optimal the two differ).

      Examples:
        landscape curve --p0 0.3 --p01 0.1 --points 11
        landscape curve cases/skew-parent.json --csv curve.csv
        landscape curve --p0 0.3 --p01 0.1 --plot curve.png --size 600x400
      """)

  @OptionGroup var source: CaseOptions

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "points"))
  var points: String?

  @Flag(help: "Add the decoder bias each loss uses at t: mse_bias_FEATURE, l2_bias_FEATURE.")
  var biasColumns = false

  @Option(help: "Write the CSV to this file (atomically) instead of standard output.")
  var csv: String?

  @Option(help: "Draw MSE and L2 over t, minima marked, to this file (.png, .svg or .pdf).")
  var plot: String?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  @Option(
    parsing: .upToNextOption,
    help: "With --plot: draw the MSE curves of the case and of these case files on one chart.")
  var overlay: [String] = []

  func validate() throws {
    if !overlay.isEmpty && plot == nil {
      throw ValidationError("--overlay draws a figure: give --plot FILE.")
    }
  }

  func run() throws {
    let points = try CaseParameters(texts: [("points", points)]).points ?? 201
    let plotSize = try size?.plotSize(for: plot ?? "")
    if let plot { try FigureFile.check(plot) }
    if let csv { try OutputFile.check(csv, field: "--csv") }
    if !overlay.isEmpty {
      let cases = try [source.resolve()] + overlay.map { try LatentCase.load(contentsOf: $0) }
      try FigureFile.write(Figures.overlayChart(cases), to: plot!, size: plotSize)
      return
    }
    let c = try source.resolve()
    if let plot { try FigureFile.write(Figures.lossChart(c), to: plot, size: plotSize) }
    guard csv != nil || plot == nil else { return }
    // Rows are formatted and written a block at a time: memory stays constant.
    try OutputFile.write(to: csv ?? "-", field: "--csv") { sink in
      try LossLandscape(c).curveCSV(points: points, biasColumns: biasColumns) {
        try $0.write(to: sink)
      }
    }
  }
}
