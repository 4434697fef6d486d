import Foundation
import Landscape
import Plotting
import Training

/// Turns landscapes, sweeps and trainings into figures (the Plotting module's value types).
enum Figures {
  /// How finely a loss curve is drawn.
  static let curvePoints = 801

  /// MSE (left axis) and L2 (right axis) over t, every local minimum marked (global ones
  /// filled), guides at the parent (t = 0) and merged (t = 1/2) solutions, and the
  /// trained trajectory when given.
  static func lossChart(_ c: Case, trajectory: [TrajectoryPoint] = [], trainedLoss: String? = nil)
    -> LineChart
  {
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
      title: "\(c.title)\n\(probabilitiesText(c))",
      xLabel: "t   (0 = parent, 1/2 = merged, 1 = child)",
      leftLabel: "expected MSE\(suffix)", rightLabel: "expected L2\(suffix)",
      series: series, markers: markers, guides: guides(c))
  }

  /// The MSE curves of several cases on one chart (e.g. several penalty coefficients).
  static func overlayChart(_ cases: [Case], title: String? = nil) -> LineChart {
    var series: [Series] = []
    var markers: [Marker] = []
    for (i, c) in cases.enumerated() {
      let landscape = LossLandscape(c)
      let curve = landscape.curve(points: curvePoints)
      let style = SeriesStyle.cycle(i)
      let name = c.penalty.coefficient > 0 ? "\(c.name) (\(penaltyText(c.penalty)))" : c.name
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
      xLabel: "t   (0 = parent, 1/2 = merged, 1 = child)", leftLabel: "expected MSE (+ penalty)",
      series: series, markers: markers, guides: cases.first.map(guides) ?? [])
  }

  /// A heat map of one sweep column over two varied probabilities, with the L2 regime
  /// boundaries found in the rows drawn over it.
  static func phaseDiagram(_ sweep: Sweep, rows: [SweepRow?], column: String) throws -> HeatMap {
    guard sweep.axes.count == 2 else {
      throw CaseError(
        field: "--plot", value: "\(sweep.axes.count) axis", reason: "needs two varied probabilities"
      )
    }
    let xs = sweep.axes[0].values
    let ys = sweep.axes[1].values
    guard rows.count == xs.count * ys.count else {
      throw CaseError(
        field: "--plot", value: "a shard", reason: "needs the whole grid (drop --shard)")
    }
    guard isIncreasing(xs), isIncreasing(ys) else {
      throw CaseError(field: "--plot", value: "", reason: "needs increasing grids A:B:N with A < B")
    }
    var values = [Double](repeating: .nan, count: xs.count * ys.count)
    for i in xs.indices {
      for j in ys.indices {
        guard let row = rows[i * ys.count + j] else { continue }
        values[j * xs.count + i] = value(of: row, column)
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
    if base.bias == .optimal { fixed.append("optimal decoder bias") }
    if base.penalty.coefficient > 0 { fixed.append(penaltyText(base.penalty)) }
    let name = base.name == "hierarchy" ? "Two-feature hierarchy" : base.title
    return HeatMap(
      title: ([name] + fixed).joined(separator: ", ")
        + "\n\(columnTitle(column)) over \(sweep.axes[0].name) and \(sweep.axes[1].name)",
      xLabel: "\(sweep.axes[0].name)", yLabel: "\(sweep.axes[1].name)", xs: xs, ys: ys,
      values: values,
      colorBarLabel: columnTitle(column), overlays: overlays, legend: .upperLeft)
  }

  static func value(of row: SweepRow, _ column: String) -> Double {
    switch column {
    case "mse_loss": row.mseLoss
    case "l2_t": row.l2T
    case "l2_loss": row.l2Loss
    case "l2_minima": Double(row.l2Minima)
    case "hedging": row.hedging.isFinite ? row.hedging : .nan
    default: row.mseT
    }
  }

  static func columnTitle(_ column: String) -> String {
    switch column {
    case "mse_loss": "minimum MSE"
    case "l2_t": "L2-optimal t"
    case "l2_loss": "minimum L2"
    case "l2_minima": "number of L2 local minima"
    case "hedging": "hedging (child/parent) at the MSE minimum"
    default: "MSE-optimal t (hedging)"
    }
  }

  static func guides(_ c: Case) -> [Guide] {
    [(0.0, "parent"), (0.5, "merged")].compactMap { t, label in
      t >= c.path.tMin && t <= c.path.tMax ? Guide(x: t, label: label) : nil
    }
  }

  static func probabilitiesText(_ c: Case) -> String {
    var parts = c.patterns.map { "\($0.name) = \(short($0.probability))" }
    if c.bias == .optimal { parts.append("optimal decoder bias") }
    if c.penalty.coefficient > 0 { parts.append(penaltyText(c.penalty)) }
    return parts.joined(separator: ", ")
  }

  static func penaltyText(_ p: Penalty) -> String {
    p.exponent == 1
      ? "\(short(p.coefficient)) E[h]" : "\(short(p.coefficient)) E[h^\(short(p.exponent))]"
  }

  /// At most four decimals, trailing zeros dropped.
  static func short(_ x: Double) -> String {
    var s = String(format: "%.4f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
  }

  static func isIncreasing(_ xs: [Double]) -> Bool {
    zip(xs, xs.dropFirst()).allSatisfy { $0 < $1 }
  }
}

extension PlotSize {
  /// Parses "WIDTHxHEIGHT".
  static func parse(_ s: String, field: String) throws -> PlotSize {
    let parts = s.lowercased().split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]),
      PlotSize.allowed.contains(w), PlotSize.allowed.contains(h)
    else {
      throw CaseError(
        field: field, value: "\"\(s)\"",
        reason:
          "is not WIDTHxHEIGHT with each side in \(PlotSize.allowed.lowerBound)...\(PlotSize.allowed.upperBound)"
      )
    }
    return PlotSize(width: w, height: h)
  }
}

extension Figures {
  /// Draws a chart to a file, naming the flag in any error.
  static func write(
    _ chart: LineChart, to path: String, size: PlotSize = .standard, field: String = "--plot"
  ) throws {
    do { try Plotter.render(chart, to: path, size: size) } catch {
      throw CaseError(field: field, value: "", reason: error.description)
    }
  }

  /// Draws a heat map to a file, naming the flag in any error.
  static func write(
    _ map: HeatMap, to path: String, size: PlotSize = .standard, field: String = "--plot"
  ) throws {
    do { try Plotter.render(map, to: path, size: size) } catch {
      throw CaseError(field: field, value: "", reason: error.description)
    }
  }

  /// Checks that a figure can be written at `path` (known extension), naming the flag.
  static func check(_ path: String, field: String = "--plot") throws {
    do { _ = try Plotter.device(for: path) } catch {
      throw CaseError(field: field, value: "", reason: error.description)
    }
    try OutputFile.check(path, field: field)
  }
}
