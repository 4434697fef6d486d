import Landscape
import Plotting
import ToyModels

extension Figures {
  /// The figure of a sweep: a heat map over two grids (`phaseDiagram`), else a line chart
  /// (`sweepChart`, one line per value of the shorter axis).
  /// - Parameters: rows: the whole grid's rows, in `sweep`'s order (nil where a point failed).
  /// - Throws: `FieldError` naming --plot when a heat map's grids are not increasing.
  public static func sweepFigure(_ sweep: Sweep, rows: [SweepRow?], column: SweepColumn) throws
    -> any PlotFigure
  {
    if isLineSweep(sweep) { return sweepChart(sweep, rows: rows, column: column) }
    return try phaseDiagram(sweep, rows: rows, column: column)
  }

  /// A heat map of one sweep column over two varied probabilities, with the L2 regime
  /// boundaries found in the rows drawn over it.
  public static func phaseDiagram(_ sweep: Sweep, rows: [SweepRow?], column: SweepColumn) throws
    -> HeatMap
  {
    guard sweep.axes.count == 2 else {
      throw FieldError(
        flag: "--plot", value: "\(sweep.axes.count) axis", reason: "needs two varied probabilities"
      )
    }
    let xs = sweep.axes[0].values
    let ys = sweep.axes[1].values
    guard rows.count == xs.count * ys.count else {
      throw FieldError(
        flag: "--plot", value: "a shard", reason: "needs the whole grid (drop --shard)")
    }
    guard isIncreasing(xs), isIncreasing(ys) else {
      throw FieldError(flag: "--plot", value: "", reason: "needs increasing grids A:B:N with A < B")
    }
    var values = [Double](repeating: .nan, count: xs.count * ys.count)
    for i in xs.indices {
      for j in ys.indices {
        guard let row = rows[i * ys.count + j] else { continue }
        values[j * xs.count + i] = column.value(row)
      }
    }
    func boundary(_ flag: (SweepRow) -> Bool) -> (xs: [Double], ys: [Double]) {
      var bx: [Double] = []
      var by: [Double] = []
      for i in xs.indices {
        for j in 1..<ys.count {
          guard let a = rows[i * ys.count + j - 1], let b = rows[i * ys.count + j] else { continue }
          if flag(a) != flag(b) {
            bx.append(xs[i])
            by.append(0.5 * (ys[j - 1] + ys[j]))
            break
          }
        }
      }
      return (bx, by)
    }
    var overlays: [Series] = []
    let lines: [(String, (SweepRow) -> Bool, SeriesStyle)] = [
      ("merged becomes an L2 minimum", { $0.mergedL2Local }, .line(.white, .dashed, width: 3)),
      ("L2 global minimum leaves the parent", { $0.l2T == 0 }, .line(.white, .solid, width: 3)),
      ("parent stops being an L2 minimum", { $0.parentL2Local }, .line(.ink, .dotted, width: 3)),
    ]
    for (name, flag, style) in lines {
      let b = boundary(flag)
      if b.xs.count >= 2 { overlays.append(Series(name: name, xs: b.xs, ys: b.ys, style: style)) }
    }
    // The title names what is held fixed; the varied probabilities are the axes.
    let base = sweep.base
    let varied = Set(sweep.axes.map(\.name))
    var fixed = base.patterns.filter { !varied.contains($0.name) }.map {
      "\($0.name) = \(short($0.probability))"
    }
    if let words = base.bias.describe(features: base.features) { fixed.append(words) }
    if base.penalty.coefficient > 0 { fixed.append(penaltyText(base.penalty)) }
    let name = base.name == "hierarchy" ? "Two-feature hierarchy" : base.title
    // Counts of minima are categories: a key of swatches, not a continuous bar.
    let categories: [HeatMap.Category]? =
      column.isCount
      ? Set(values.filter(\.isFinite)).sorted().map {
        HeatMap.Category(value: $0, label: "\(Int($0))")
      } : nil
    return HeatMap(
      title: ([name] + fixed).joined(separator: ", ")
        + "\n\(column.title) over \(sweep.axes[0].name) and \(sweep.axes[1].name)",
      xLabel: "\(sweep.axes[0].name)", yLabel: "\(sweep.axes[1].name)", xs: xs, ys: ys,
      values: values,
      colorBarLabel: column.title, overlays: overlays, legend: .upperLeft,
      categories: categories?.isEmpty == false ? categories : nil)
  }

  /// The longest list of values a sweep draws as separate lines.
  public static let maximumLines = 8

  /// True when a sweep is drawn as a line chart: one varied probability, or a second one
  /// with at most `maximumLines` values (one line each).
  public static func isLineSweep(_ sweep: Sweep) -> Bool {
    sweep.axes.count == 1 || sweep.axes.map(\.values.count).min()! <= maximumLines
  }

  /// One sweep column against the varied probability (the axis with more values), one line
  /// per value of the other axis; with a single line, the x intervals where L2's local
  /// minima differ (parent, merged, both) are shaded.
  public static func sweepChart(_ sweep: Sweep, rows: [SweepRow?], column: SweepColumn)
    -> LineChart
  {
    let twoAxes = sweep.axes.count == 2
    let along = twoAxes && sweep.axes[0].values.count > sweep.axes[1].values.count ? 0 : 1
    let x = twoAxes ? sweep.axes[along] : sweep.axes[0]
    let lines = twoAxes ? sweep.axes[1 - along].values : [Double.nan]
    let inner = twoAxes ? sweep.axes[1].values.count : 1
    func row(line l: Int, point i: Int) -> SweepRow? {
      guard twoAxes else { return rows[i] }
      return along == 1 ? rows[l * inner + i] : rows[i * inner + l]
    }
    var series: [Series] = []
    for (l, value) in lines.enumerated() {
      let points = x.values.indices.compactMap { i in
        row(line: l, point: i).map { (x.values[i], column.value($0)) }
      }.filter { $0.1.isFinite }
      guard !points.isEmpty else { continue }
      let name = twoAxes ? "\(sweep.axes[1 - along].name) = \(short(value))" : ""
      series.append(
        Series(
          name: name, xs: points.map(\.0), ys: points.map(\.1),
          style: SeriesStyle.cycle(series.count)))
    }
    let bands =
      lines.count == 1
      ? regimeBands(x.values, rows: x.values.indices.map { row(line: 0, point: $0) }) : []
    var fixed = sweep.base.patterns.filter { p in !sweep.axes.contains { $0.name == p.name } }.map {
      "\($0.name) = \(short($0.probability))"
    }
    if let words = sweep.base.bias.describe(features: sweep.base.features) {
      fixed.append(words)
    }
    if sweep.base.penalty.coefficient > 0 { fixed.append(penaltyText(sweep.base.penalty)) }
    let name = sweep.base.name == "hierarchy" ? "Two-feature hierarchy" : sweep.base.title
    return LineChart(
      title: ([name] + fixed).joined(separator: ", ") + "\n\(column.title) over \(x.name)",
      xLabel: x.name, leftLabel: column.title,
      series: series.isEmpty ? [Series(name: "", xs: [x.values[0]], ys: [0])] : series,
      bands: bands)
  }

  /// Shaded x intervals of equal L2 regime (which of parent and merged are L2 minima),
  /// split halfway between neighbouring points.
  public static func regimeBands(_ xs: [Double], rows: [SweepRow?]) -> [Band] {
    func regime(_ r: SweepRow) -> Int { (r.parentL2Local ? 1 : 0) + (r.mergedL2Local ? 2 : 0) }
    let styles: [Int: (PlotColor, String)] = [
      0: (PlotColor(hex: 0xEEEEEE), "L2 minima elsewhere"),
      1: (PlotColor(hex: 0xDCE8F5), "L2 minimum: parent"),
      2: (PlotColor(hex: 0xF7E2CC), "L2 minimum: merged"),
      3: (PlotColor(hex: 0xE3F1DA), "L2 minima: parent and merged"),
    ]
    let known = xs.indices.compactMap { i in rows[i].map { (xs[i], regime($0)) } }
    guard known.count > 1 else { return [] }
    var bands: [Band] = []
    var start = known[0].0
    for k in 1...known.count {
      guard k == known.count || known[k].1 != known[k - 1].1 else { continue }
      let end = k == known.count ? known[k - 1].0 : (known[k - 1].0 + known[k].0) / 2
      let (color, label) = styles[known[k - 1].1]!
      if end > start { bands.append(Band(range: start...end, color: color, label: label)) }
      if k < known.count { start = end }
    }
    return bands
  }
}
