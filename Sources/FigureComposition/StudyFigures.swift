import Plotting
import Reports
import ToyModels

extension Figures {
  /// A study's figure from its runs table (`runs.csv`): the seed mean of `y` over `x`.
  ///
  /// Without `color`: one line per value of `hue` (a single line without it), each point the
  /// mean of `y` over the runs at that x (the seeds, and any field not drawn), with the least
  /// and largest of them as thin dotted lines of the same colour (the min-max band). With
  /// `color`: a heat map over `x` and `y` (both fields) of the mean of `color` in each cell.
  /// Failed runs (status `failed`) are left out and counted in the title; cells without a
  /// number are left out of the means.
  ///
  /// - Parameters:
  ///   - table: the runs table; every column named must be in it.
  ///   - x: the column along x, numbers (a varied field).
  ///   - y: the measure along y; with `color`, the field along y.
  ///   - hue: the column whose values get one line each; nil for one line. Not with `color`.
  ///   - color: the measure a heat map shows; nil for lines.
  ///   - title: nil for the default (what is drawn over what, and the failed runs); "" for none.
  /// - Throws: `FieldError` naming `--x`, `--y`, `--hue` or `--color` for a column the table
  ///   does not have (listing those it has) or a cell that is not a number, `--hue` with
  ///   `--color`, and `--y` when no run has a number to draw.
  public static func studyChart(
    table: StudyTable, x: String, y: String, hue: String? = nil, color: String? = nil,
    title: String? = nil
  ) throws -> any PlotFigure {
    if hue != nil && color != nil {
      throw FieldError(
        flag: "--hue", value: hue!, reason: "draws lines; --color draws a heat map: give one")
    }
    let named = [("--x", x), ("--y", y)] + (hue.map { [("--hue", $0)] } ?? [])
      + (color.map { [("--color", $0)] } ?? [])
    for (flag, column) in named where table.index(of: column) == nil {
      throw FieldError(
        flag: flag, value: column,
        reason: "is not a column of the table; it has \(table.columns.joined(separator: ", "))")
    }
    let rows = table.finishedRows
    let failed = table.failedCount
    let note = failed == 0 ? "" : "\n\(failed) failed run\(failed == 1 ? "" : "s") left out"
    if let color {
      let xs = try studyNumbers(table, rows, x, flag: "--x")
      let ys = try studyNumbers(table, rows, y, flag: "--y")
      let vs = try studyNumbers(table, rows, color, flag: "--color")
      let gridX = Set(xs.compactMap { $0 }).sorted()
      let gridY = Set(ys.compactMap { $0 }).sorted()
      var sums = [Double](repeating: 0, count: gridX.count * gridY.count)
      var counts = [Int](repeating: 0, count: sums.count)
      for r in rows.indices {
        guard let a = xs[r], let b = ys[r], let v = vs[r] else { continue }
        let cell = gridY.firstIndex(of: b)! * gridX.count + gridX.firstIndex(of: a)!
        sums[cell] += v
        counts[cell] += 1
      }
      guard counts.contains(where: { $0 > 0 }) else {
        throw FieldError(flag: "--color", value: color, reason: "has no number in any finished run")
      }
      let values = zip(sums, counts).map { $1 == 0 ? Double.nan : $0 / Double($1) }
      let words = studyWords(color)
      return HeatMap(
        title: title
          ?? "\(words) over \(studyWords(x).lowercasedFirst) and \(studyWords(y).lowercasedFirst)"
          + "\nmean over seeds" + note,
        xLabel: studyWords(x), yLabel: studyWords(y), xs: gridX, ys: gridY, values: values,
        colorBarLabel: words)
    }
    let xs = try studyNumbers(table, rows, x, flag: "--x")
    let ys = try studyNumbers(table, rows, y, flag: "--y")
    let hueColumn = hue.map { table.index(of: $0)! }
    // The hue's values in order: numerically when every one is a number, else as first seen.
    var hues: [String] = []
    for row in rows where !hues.contains(hueColumn.map { row[$0] } ?? "") {
      hues.append(hueColumn.map { row[$0] } ?? "")
    }
    if hues.allSatisfy({ Double($0) != nil }) { hues.sort { Double($0)! < Double($1)! } }
    var series: [Series] = []
    var spread = false
    for (k, value) in hues.enumerated() {
      var groups: [Double: [Double]] = [:]
      for r in rows.indices where (hueColumn.map { rows[r][$0] } ?? "") == value {
        guard let a = xs[r], let b = ys[r] else { continue }
        groups[a, default: []].append(b)
      }
      guard !groups.isEmpty else { continue }
      let along = groups.keys.sorted()
      let style = SeriesStyle.cycle(k)
      let name = hue.map { "\(studyWords($0)) = \(value)" } ?? ""
      series.append(
        Series(
          name: name, xs: along, ys: along.map { mean(groups[$0]!) }, style: style))
      let lows = along.map { groups[$0]!.min()! }
      let highs = along.map { groups[$0]!.max()! }
      guard lows != highs else { continue }
      spread = true
      for edge in [lows, highs] {
        series.append(
          Series(name: "", xs: along, ys: edge, style: .line(style.color, .dotted, width: 1)))
      }
    }
    guard !series.isEmpty else {
      throw FieldError(flag: "--y", value: y, reason: "has no number in any finished run")
    }
    let by = hue.map { " by \(studyWords($0).lowercasedFirst)" } ?? ""
    let band = spread ? "mean over seeds, dotted: least and largest" : "mean over seeds"
    return LineChart(
      title: title ?? "\(studyWords(y)) over \(studyWords(x).lowercasedFirst)\(by)\n\(band)\(note)",
      xLabel: studyWords(x), leftLabel: studyWords(y), series: series)
  }

  /// The words an axis of a study figure is titled with: the paper's for the known columns,
  /// the column's own name for any other.
  public static func studyWords(_ column: String) -> String {
    studyColumnWords[column] ?? column
  }

  /// The known columns of a study's tables and their words.
  public static let studyColumnWords: [String: String] = [
    "sae.latents": "SAE width (latents)",
    "correlated.correlation.strength": "Correlation strength",
    "train.l1": "L1 coefficient",
    "train.steps": "Training steps",
    "train.lr": "Learning rate",
    "seed": "Seed",
    "mse": "MSE",
    "l2": "L2 loss",
    "l0": "L0 (active latents per input)",
    "seconds": "Training time (s)",
    "decoder_hedging_mass_mean": "Mean decoder hedging mass",
    "decoder_hedging_mass_median": "Median decoder hedging mass",
    "decoder_hedging_mass_max": "Largest decoder hedging mass",
    "encoder_hedging_mass_mean": "Mean encoder hedging mass",
    "encoder_hedging_mass_median": "Median encoder hedging mass",
    "encoder_hedging_mass_max": "Largest encoder hedging mass",
  ]

  /// Each row's cell of `column` as a number, nil where it is empty.
  /// - Throws: `FieldError` naming `flag` for a cell that is not a finite number.
  private static func studyNumbers(
    _ table: StudyTable, _ rows: [[String]], _ column: String, flag: String
  ) throws -> [Double?] {
    let c = table.index(of: column)!
    return try rows.map { row in
      if row[c].isEmpty { return nil }
      guard let v = Double(row[c]), v.isFinite else {
        throw FieldError(
          flag: flag, value: column, reason: "has \"\(row[c])\", which is not a finite number")
      }
      return v
    }
  }

  private static func mean(_ values: [Double]) -> Double {
    values.reduce(0, +) / Double(values.count)
  }
}

extension String {
  /// The text with its first letter in lower case, unless its second is not a lower-case letter (`MSE`, `L2`).
  fileprivate var lowercasedFirst: String {
    guard let first, count > 1, self[index(after: startIndex)].isLowercase else { return self }
    return first.lowercased() + dropFirst()
  }
}
