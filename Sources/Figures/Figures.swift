import Foundation
import Landscape
import Plotting
import ToyModels
import Training

/// Turns landscapes, sweeps and trainings into figures (the Plotting module's value types).
public enum Figures {
  /// How finely a loss curve is drawn.
  public static let curvePoints = 801

  /// MSE (left axis) and L2 (right axis) over t, every local minimum marked (global ones
  /// filled), guides at the parent (t = 0) and merged solutions, and the
  /// trained trajectory when given.
  public static func lossChart(
    _ c: Case, trajectory: [TrajectoryPoint] = [], trainedLoss: String? = nil
  ) -> LineChart {
    let landscape = LossLandscape(c)
    let curve = landscape.curve(points: curvePoints)
    let penalised = c.penalty.coefficient > 0
    let suffix = penalised ? " + \(penaltyText(c.penalty))" : ""
    var series = [
      Series(
        name: "MSE\(suffix)", xs: curve.map(\.t), ys: curve.map(\.mse), axis: .left,
        style: .line(.darkBlue)),
      Series(
        name: "L2\(suffix)", xs: curve.map(\.t), ys: curve.map(\.l2), axis: .right,
        style: .line(.orange, .dashed)),
    ]
    var markers: [Marker] = []
    for (kind, axis, color) in [
      (LossKind.mse, YAxis.left, PlotColor.darkBlue), (.l2, .right, .orange),
    ] {
      for m in landscape.minima(kind) {
        markers.append(
          Marker(
            x: m.t, y: m.loss, axis: axis, label: "t=\(short(m.t))", isEmphasized: m.isGlobal,
            color: color))
      }
    }
    if !trajectory.isEmpty {
      for (kind, axis) in [(LossKind.mse, YAxis.left), (.l2, .right)] {
        let points = trajectory.filter { $0.kind == kind && $0.t.isFinite && $0.loss.isFinite }
        guard !points.isEmpty else { continue }
        let name = "trained (\(trainedLoss ?? "Adam"), \(kind == .mse ? "MSE" : "L2") phase)"
        series.append(
          Series(
            name: name, xs: points.map(\.t), ys: points.map(\.loss), axis: axis,
            style: .points(kind == .mse ? .green : .crimson, radius: 3.5)))
      }
    }
    return LineChart(
      title: title(c), xLabel: pathLabel(c),
      leftLabel: "expected MSE\(suffix)", rightLabel: "expected L2\(suffix)",
      series: series, markers: markers, guides: guides(c))
  }

  /// The case's title over the model's parameters, without repeating what the title says
  /// (a case made from flags is titled by its parameters: it becomes "Two-feature hierarchy").
  public static func title(_ c: Case) -> String {
    let heading = c.name == "hierarchy" ? "Two-feature hierarchy" : c.title
    let parts = probabilitiesParts(c).filter { !heading.contains($0) }
    return parts.isEmpty ? heading : heading + "\n" + parts.joined(separator: ", ")
  }

  /// The trained case's chart: its trajectory over the landscape its training is checked
  /// against (with a learned decoder bias: the optimal-bias landscape).
  public static func trainedChart(
    _ c: Case, options: TrainingOptions, result: TrainingResult
  ) throws -> LineChart {
    let shown = try TrainingTarget(for: c, options: options).analyticCase
    return lossChart(shown, trajectory: result.trajectory, trainedLoss: options.loss.rawValue)
  }

  /// The MSE curves of several cases on one chart (e.g. several penalty coefficients).
  public static func overlayChart(_ cases: [Case], title: String? = nil) -> LineChart {
    var series: [Series] = []
    var markers: [Marker] = []
    for (i, c) in cases.enumerated() {
      let landscape = LossLandscape(c)
      let curve = landscape.curve(points: curvePoints)
      let style = SeriesStyle.cycle(i)
      // Legends use the case's title (its name when it has none); the penalty is said once.
      let label = c.title.isEmpty ? c.name : c.title
      let name =
        c.penalty.coefficient > 0 && !label.contains(penaltyText(c.penalty))
        ? "\(label) (\(penaltyText(c.penalty)))" : label
      series.append(Series(name: name, xs: curve.map(\.t), ys: curve.map(\.mse), style: style))
      for m in landscape.minima(.mse) {
        markers.append(
          Marker(
            x: m.t, y: m.loss, label: "t=\(short(m.t))", isEmphasized: m.isGlobal,
            color: style.color))
      }
    }
    return LineChart(
      title: title ?? "MSE along the path\n" + cases.map(\.name).joined(separator: ", "),
      xLabel: cases.first.map(pathLabel) ?? "t", leftLabel: "expected MSE (+ penalty)",
      series: series, markers: markers, guides: cases.first.map(guides) ?? [])
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

  /// Guides at the parent (t = 0) and at the merged solution: the cusp of the pattern
  /// that fires parent and child (t = 1/2 for equal magnitudes).
  public static func guides(_ c: Case) -> [Guide] {
    var points: [(Double, String)] = [(0.0, "parent")]
    if let merged = c.mergedT { points.append((merged, "merged")) }
    return points.compactMap { t, label in
      t >= c.path.tMin && t <= c.path.tMax ? Guide(x: t, label: label) : nil
    }
  }

  /// The x label of a loss chart, naming where the parent, merged and child latents sit.
  public static func pathLabel(_ c: Case) -> String {
    let merged = c.mergedT.map { t in
      t == 0.5 ? "1/2 = merged, " : "\(short(t)) = merged, "
    }
    return "t   (0 = parent, \(merged ?? "")1 = child)"
  }

  public static func probabilitiesParts(_ c: Case) -> [String] {
    var parts = c.patterns.map { "\($0.name) = \(short($0.probability))" }
    if let words = c.bias.describe(features: c.features) { parts.append(words) }
    if c.penalty.coefficient > 0 { parts.append(penaltyText(c.penalty)) }
    return parts
  }

  public static func penaltyText(_ p: Penalty) -> String {
    p.exponent == 1
      ? "\(short(p.coefficient)) E[h]" : "\(short(p.coefficient)) E[h^\(short(p.exponent))]"
  }

  /// At most four decimals, trailing zeros dropped.
  public static func short(_ x: Double) -> String {
    var s = String(format: "%.4f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
  }

  public static func isIncreasing(_ xs: [Double]) -> Bool {
    zip(xs, xs.dropFirst()).allSatisfy { $0 < $1 }
  }
}
