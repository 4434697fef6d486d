import Foundation
import Landscape
import Plotting
import Reports
import SparseAutoencoders
import Training

/// Turns landscapes, sweeps and trainings into figures (the Plotting module's value types).
public enum Figures {
  /// How finely a loss curve is drawn.
  public static let curvePoints = 801

  /// MSE (left axis) and L2 (right axis) over t, every local minimum marked (global ones
  /// filled), guides at the parent (t = 0) and merged solutions, and the
  /// trained trajectory when given.
  public static func lossChart(
    _ c: LatentCase, trajectory: [TrajectoryPoint] = [], trainedLoss: String? = nil
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
  public static func title(_ c: LatentCase) -> String {
    let heading = c.name == "hierarchy" ? "Two-feature hierarchy" : c.title
    let parts = probabilitiesParts(c).filter { !heading.contains($0) }
    return parts.isEmpty ? heading : heading + "\n" + parts.joined(separator: ", ")
  }

  /// The trained case's chart: its trajectory over the landscape its training is checked
  /// against (with a learned decoder bias: the optimal-bias landscape).
  public static func trainedChart(
    _ c: LatentCase, options: LatentTrainingPlan, result: LatentTrainingRun
  ) throws -> LineChart {
    let shown = try TrainingTarget(for: c, options: options).analyticCase
    return lossChart(shown, trajectory: result.trajectory, trainedLoss: options.sae.loss.rawValue)
  }

  /// The MSE curves of several cases on one chart (e.g. several penalty coefficients).
  public static func overlayChart(_ cases: [LatentCase], title: String? = nil) -> LineChart {
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

  /// Guides at the parent (t = 0) and at the merged solution: the cusp of the pattern
  /// that fires parent and child (t = 1/2 for equal magnitudes).
  public static func guides(_ c: LatentCase) -> [Guide] {
    var points: [(Double, String)] = [(0.0, "parent")]
    if let merged = c.mergedT { points.append((merged, "merged")) }
    return points.compactMap { t, label in
      t >= c.path.tMin && t <= c.path.tMax ? Guide(x: t, label: label) : nil
    }
  }

  /// The x label of a loss chart, naming where the parent, merged and child latents sit.
  public static func pathLabel(_ c: LatentCase) -> String {
    let merged = c.mergedT.map { t in
      t == 0.5 ? "1/2 = merged, " : "\(short(t)) = merged, "
    }
    return "t   (0 = parent, \(merged ?? "")1 = child)"
  }

  public static func probabilitiesParts(_ c: LatentCase) -> [String] {
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
  public static func short(_ x: Double) -> String { TextTable.short(x) }

  public static func isIncreasing(_ xs: [Double]) -> Bool {
    zip(xs, xs.dropFirst()).allSatisfy { $0 < $1 }
  }
}

