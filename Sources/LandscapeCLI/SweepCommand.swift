import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import Studies
import FigureComposition
import Plotting
import Reports
import ToyModels

struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Exact minima over a grid of firing probabilities (a phase diagram).",
    discussion: """
      Vary one or two probabilities: with the hierarchy shorthand, --p0 A:B:N --p01 A:B:N \
      (N evenly spaced values from A to B, or a list A,B,C; a plain number holds it \
      fixed); with a case file, or the paper's form (--p-parent P --p-child-if-parent P, whose \
      patterns are p0, p01, p1), --vary NAME=A:B:N (or NAME=A,B,C) for any pattern name. \
      --plot draws a heat map over two grids, and a line chart of the --color column \
      against one varied probability, one line per value of a second one given as a short \
      list (e.g. --p0 0.1,0.2,0.3 --p01 0:0.4:81), the L2 minima's regimes shaded. Each grid point gives the MSE and L2 \
      global minima, the number of L2 local minima, whether the parent (t = 0) and merged \
      (t = 1/2) solutions are L2 local minima, and the hedging (child/parent) at the MSE \
      minimum. Points whose probabilities sum past 1 are skipped. The first axis varies \
      slowest. CSV columns: the varied names, then \
      mse_t,mse_loss,l2_t,l2_loss,l2_minima,parent_l2_local,merged_l2_local,hedging.

      Examples:
        landscape sweep --p0 0:0.5:21 --p01 0:0.5:21 --csv phase.csv
        landscape sweep --p0 0:.5:21 --p01 0:.5:21 --plot p.png --color l2_minima
        landscape sweep cases/correlated.json --vary p1=0:0.3:7
      """)

  @Argument(help: "A case file (JSON); omit it for the hierarchy shorthand.")
  var caseFile: String?

  @OptionGroup var set: SetOptions

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Hierarchy: P(parent alone), a number, a grid A:B:N or a list A,B,C.", valueName: "spec"))
  var p0: SweepSpec?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Hierarchy: P(parent and child), a number, a grid A:B:N or a list A,B,C.",
      valueName: "spec"))
  var p01: SweepSpec?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Hierarchy: P(child alone), a number, a grid A:B:N or a list A,B,C (default: no such pattern).",
      valueName: "spec"))
  var p1: SweepSpec?

  @Option(
    help: ArgumentHelp(
      "Case file: NAME=A:B:N or NAME=A,B,C varies pattern NAME's probability (once or twice).",
      valueName: "NAME=spec"))
  var vary: [SweepVariation] = []

  @OptionGroup var model: ModelOptions

  @Option(help: "Write the CSV here (atomically); default: standard output.")
  var csv: String?

  @Option(
    help:
      "Draw one column to this file (.png, .svg or .pdf): a heat map over two grids, else a line chart."
  )
  var plot: String?

  @Option(help: ArgumentHelp("The column the figure shows.", valueName: "column"))
  var color = SweepColumn.mseT

  @Option(help: FigureSize.help)
  var size: FigureSize?

  @Option(parsing: .unconditional, help: "Worker threads (default: every core).")
  var jobs: Int?

  @Option(
    help: ArgumentHelp(
      "Compute only slice I of N (1 <= I <= N), for a batch scheduler; concatenated slices make the whole CSV (only slice 1 writes the header).",
      valueName: "I/N"))
  var shard: Shard?

  @Flag(help: "Print the compute time on standard error.")
  var timing = false

  @Flag(
    help: "Compute the sweep but write no CSV (with --timing: a benchmark of the minima alone).")
  var discard = false

  func validate() throws {
    if caseFile == nil && model.usesPaperForm {
      if p0 != nil || p01 != nil || p1 != nil {
        throw ValidationError("Give the paper's form or --p0/--p01/--p1, not both.")
      }
      if vary.isEmpty {
        throw ValidationError("--vary: a sweep of the paper's form needs --vary NAME=A:B:N.")
      }
    } else if caseFile == nil {
      guard p0 != nil, p01 != nil else {
        throw ValidationError(
          "Give a case file with --vary, or the hierarchy shorthand --p0 SPEC --p01 SPEC.")
      }
      if !vary.isEmpty {
        throw ValidationError("--vary goes with a case file; with the shorthand give --p0 A:B:N.")
      }
    } else {
      if p0 != nil || p01 != nil || p1 != nil {
        throw ValidationError("Give a case file or --p0/--p01/--p1, not both.")
      }
      if vary.isEmpty {
        throw ValidationError("--vary: a case file sweep needs --vary NAME=A:B:N.")
      }
    }
    if let jobs, jobs < 1 || jobs > 1024 {
      throw ValidationError("--jobs: \(jobs) is not in 1...1024.")
    }
  }

  func run() throws {
    let (base, axes) = try resolve()
    let flags = gridFlags
    if axes.count > 2 {
      throw FieldError(
        flag: flags, value: "\(axes.count) grids", reason: "vary more than two probabilities")
    }
    let sweep = try FlagTable.naming(given: { _ in caseFile != nil || model.usesPaperForm }) {
      try Sweep(base: base, axes: axes)
    }
    if sweep.count > 100_000_000 {
      throw FieldError(flag: flags, value: "\(sweep.count) points", reason: "is above 100000000")
    }
    if let csv { try OutputFile.check(csv, field: "--csv") }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")

    var range = 0..<sweep.count
    var header = true
    if let shard {
      range = shard.range(of: sweep.count)
      header = shard.index == 1
    }
    let clock = ContinuousClock()
    let start = clock.now
    let table = try withTerminalProgress {
      try SweepRun(
        sweep: sweep, range: range, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
        formatsText: !discard, keepsRows: plot != nil
      ).run($0)
    }
    let computed = clock.now - start
    if table.skipped > 0 {
      FileHandle.standardError.write(
        Data(
          "landscape: skipped \(table.skipped) of \(range.count) points whose probabilities sum past 1\n"
            .utf8))
    }
    if !discard && (csv != nil || plot == nil) {
      try OutputFile.write(to: csv ?? "-", field: "--csv") { sink in
        try table.write(header: header, to: sink.write)
      }
    }
    if let plot {
      guard range == 0..<sweep.count else {
        throw FieldError(flag: "--plot", value: plot, reason: "needs the whole grid (drop --shard)")
      }
      let figure = try Figures.sweepFigure(sweep, rows: table.rows, column: color)
      try FigureFile.write(figure, to: plot, size: plotSize)
    }
    if timing {
      let total = clock.now - start
      let what = discard ? "computed" : "computed and formatted"
      FileHandle.standardError.write(
        Data(
          "landscape: \(range.count) points \(what) in \(Self.seconds(computed)) s, \(Self.seconds(total)) s with output\n"
            .utf8))
    }
  }

  static func seconds(_ d: Duration) -> String {
    let (s, atto) = d.components
    return String(format: "%.4f", Double(s) + Double(atto) * 1e-18)
  }

  /// The flags that give the grids, for errors about the grid as a whole.
  var gridFlags: String {
    if caseFile != nil || model.usesPaperForm { return "--vary" }
    return [("--p0", p0), ("--p01", p01), ("--p1", p1)]
      .filter { $0.1 != nil && $0.1?.fixed == nil }.map(\.0).joined(separator: " ")
  }

  /// The case and axes the options describe.
  func resolve() throws -> (LatentCase, [SweepAxis]) {
    let parameters = try model.parameters()
    if caseFile != nil || parameters.usesPaperForm {
      // The paper's form gives the hierarchy whose patterns p0, p01, p1 --vary varies.
      let c =
        try caseFile.map {
          try parameters.applied(
            to: LatentCase.load(contentsOf: $0, overrides: set.overrides()), checked: false)
        }
        ?? parameters.hierarchy()
      var axes: [SweepAxis] = []
      for v in vary {
        let axis: SweepAxis?
        do {
          axis = try v.spec.axis(named: v.name, field: "--vary")
        } catch let e as FieldError {
          throw FieldError(flag: "--vary", value: "\"\(v.text)\"", reason: e.reason)
        }
        guard let axis else {
          throw FieldError(flag: "--vary", value: "\"\(v.text)\"", reason: "is not NAME=A:B:N")
        }
        axes.append(axis)
      }
      // Validate with the varied probabilities at zero (their sum is checked per point).
      var probe = c
      for axis in axes {
        if let j = probe.patterns.firstIndex(where: { $0.name == axis.name }) {
          probe.patterns[j].probability = 0
        }
      }
      try probe.validate()
      return (c, axes)
    }
    var fixed: [String: Double] = [:]
    var axes: [SweepAxis] = []
    for (flag, value) in [("--p0", p0), ("--p01", p01), ("--p1", p1)] {
      guard let value else { continue }
      if let x = value.fixed { fixed[flag] = x }
      if let axis = try value.axis(named: String(flag.dropFirst(2)), field: flag) {
        axes.append(axis)
      }
    }
    if axes.isEmpty { throw ValidationError("Give a grid A:B:N to --p0, --p01 or --p1.") }
    let c = try parameters.hierarchy(
      p0: fixed["--p0"] ?? 0, p01: fixed["--p01"] ?? 0, p1: p1 == nil ? nil : (fixed["--p1"] ?? 0))
    return (c, axes)
  }
}

extension SweepColumn: ExpressibleByArgument {
  /// --color takes the columns a figure can show.
  public static var allValueStrings: [String] { plottable.map(\.rawValue) }

  public init?(argument: String) {
    guard let c = SweepColumn(rawValue: argument), !c.isFlag else { return nil }
    self = c
  }
}

/// `--shard I/N`: slice I of N equal slices of a sweep's points (1 <= I <= N).
struct Shard: ExpressibleByArgument, Hashable {
  var index: Int
  var count: Int

  init?(argument: String) {
    let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1,
      (1...n).contains(i)
    else { return nil }
    index = i
    count = n
  }

  /// The slice's points: [total (I - 1) / N, total I / N).
  func range(of total: Int) -> Range<Int> {
    Study.shard(index, of: count, runs: total)
  }
}

/// A swept probability as given: a number (held fixed), a grid "A:B:N" (N evenly spaced
/// values from A to B) or a list "A,B,C".
struct SweepSpec: ExpressibleByArgument, Hashable {
  enum Values: Hashable {
    case fixed(Double)
    case grid(from: Double, to: Double, count: Int)
    case list([Double])
  }

  var values: Values
  /// As given, for messages.
  var text: String

  init?(argument s: String) {
    text = s
    let parts = s.split(separator: ":", omittingEmptySubsequences: false)
    if parts.count == 1, let x = Double(s) {
      values = .fixed(x)
    } else if parts.count == 1 && s.contains(",") {
      let list = s.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
      guard list.allSatisfy({ $0 != nil }), list.count <= 1_000_000 else { return nil }
      values = .list(list.map { $0! })
    } else if parts.count == 3, let a = Double(parts[0]), let b = Double(parts[1]),
      let n = Int(parts[2])
    {
      values = .grid(from: a, to: b, count: n)
    } else {
      return nil
    }
  }

  /// The fixed value, nil for a grid or a list.
  var fixed: Double? {
    if case .fixed(let x) = values { return x }
    return nil
  }

  /// The axis a grid or a list varies (nil for a fixed value), its probabilities in [0, 1].
  /// - Throws: `FieldError` naming `field` when a value or the count is out of range.
  func axis(named name: String, field: String) throws -> SweepAxis? {
    switch values {
    case .fixed: return nil
    case .list(let list):
      guard list.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else {
        throw FieldError(flag: field, value: "\"\(text)\"", reason: "has values outside [0, 1]")
      }
      return SweepAxis(name: name, values: list)
    case .grid(let a, let b, let n):
      guard a.isFinite, b.isFinite, (0...1).contains(a), (0...1).contains(b) else {
        throw FieldError(flag: field, value: "\"\(text)\"", reason: "has ends outside [0, 1]")
      }
      guard n >= 1, n <= 1_000_000 else {
        throw FieldError(
          flag: field, value: "\"\(text)\"", reason: "has a count outside 1...1000000")
      }
      return SweepAxis(name: name, from: a, to: b, count: n)
    }
  }
}

/// `--vary NAME=SPEC`: a case file's pattern NAME swept over a grid or a list.
struct SweepVariation: ExpressibleByArgument, Hashable {
  var name: String
  var spec: SweepSpec
  /// As given, for messages.
  var text: String

  init?(argument: String) {
    let parts = argument.split(separator: "=", maxSplits: 1)
    guard parts.count == 2, let spec = SweepSpec(argument: String(parts[1])) else { return nil }
    name = String(parts[0])
    self.spec = spec
    text = argument
  }
}
