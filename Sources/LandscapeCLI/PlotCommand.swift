import ArgumentParser
import FigureComposition
import Foundation
import Reports
import ToyModels

/// `landscape plot`: a study's figure from its saved runs table.
struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract: "Draw a study's results (DIR/runs.csv) as lines over a field or a heat map.",
    discussion: """
      Lines: the mean of --y over the seeds at each value of --x, one line per value of \
      --hue, the least and largest run dotted in the same colour. Heat map: --color METRIC \
      with --x and --y both fields, the seeds' mean of METRIC in each cell. Columns are \
      named as in runs.csv (the varied fields by their case-file paths, then seed, mse, l2, \
      l0, decoder_hedging_mass_mean, ...); failed runs are left out and counted in the title.

      Examples:
        landscape plot study/ --x sae.latents --y decoder_hedging_mass_mean \
      --hue correlated.correlation.strength --out hedging.png
        landscape plot study/ --x sae.latents --y correlated.correlation.strength \
      --color decoder_hedging_mass_mean --out heat.pdf --size column
        landscape plot study/runs.csv --x sae.latents --y mse --title '' --out mse.svg
      """)

  @Argument(help: "A study's folder (its runs.csv is read) or a runs.csv file.")
  var study: String

  @OptionGroup var figure: StudyFigureOptions

  @Option(help: "The figure file (.png, .svg, .pdf).")
  var out: String

  func validate() throws { try figure.require(for: "--out") }

  func run() throws {
    try FigureFile.check(out, field: "--out")
    let path = study.hasSuffix(".csv") ? study : (study as NSString).appendingPathComponent("runs.csv")
    let data = try InputFile.contents(of: path, field: "study", kind: .input)
    let table: StudyTable
    do { table = try StudyTable(csv: String(decoding: data, as: UTF8.self)) } catch {
      throw FieldError(
        field: escapedForMessage(path, limit: 1000), value: "", reason: error.description)
    }
    try figure.draw(table, to: out, field: "--out")
  }
}

/// The figure of a study's runs table: `landscape plot`'s options, and `study --plot`'s.
struct StudyFigureOptions: ParsableArguments {
  @Option(help: "The column along x: a varied field (e.g. sae.latents).")
  var x: String?

  @Option(help: "The measure along y (e.g. decoder_hedging_mass_mean); with --color, a field.")
  var y: String?

  @Option(help: "A column with one line per value (e.g. correlated.correlation.strength).")
  var hue: String?

  @Option(help: "A measure drawn as a heat map over --x and --y (instead of lines).")
  var color: String?

  @Option(help: "The title; '' for none. By default: what is drawn over what.")
  var title: String?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  /// Whether any of the figure's options is given.
  var isGiven: Bool { x != nil || y != nil || hue != nil || color != nil || title != nil || size != nil }

  /// --x and --y are required by the figure `flag` names.
  func require(for flag: String) throws {
    for (name, value) in [("--x", x), ("--y", y)] where value == nil {
      throw ValidationError("\(name) is required with \(flag) (a column of runs.csv).")
    }
  }

  /// Draws the figure of `table` to `path` (no file is left when drawing fails).
  func draw(_ table: StudyTable, to path: String, field: String) throws {
    try FigureFile.check(path, field: field)
    let plotSize = try size?.plotSize(for: path)
    let chart = try Figures.studyChart(
      table: table, x: x ?? "", y: y ?? "", hue: hue, color: color, title: title)
    try FigureFile.write(chart, to: path, size: plotSize, field: field)
  }
}
