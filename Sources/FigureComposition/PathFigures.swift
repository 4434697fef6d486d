import Plotting
import Reports
import SparseAutoencoders

extension Figures {
  /// The losses along a path between two SAEs (`SAEPathReport`, a line): the training loss
  /// and its reconstruction loss on the left axis, the other reconstruction loss on the
  /// right, both ends dotted and named, the highest point dotted when it is above both ends.
  public static func pathChart(_ r: SAEPathReport, title: String) -> LineChart {
    let ts = r.points.map(\.s)
    let mse = r.reconstruction == .mse
    let same = r.l1 == 0
    var series = [
      Series(
        name: "training loss (\(r.lossName))", xs: ts, ys: r.points.map(\.loss), axis: .left,
        style: .line(.darkBlue))
    ]
    if !same {
      series.append(
        Series(
          name: mse ? "MSE" : "L2", xs: ts, ys: r.points.map { mse ? $0.mse : $0.l2 },
          axis: .left, style: .line(.green, .dashed)))
    }
    series.append(
      Series(
        name: mse ? "L2 (right axis)" : "MSE (right axis)", xs: ts,
        ys: r.points.map { mse ? $0.l2 : $0.mse }, axis: .right, style: .line(.orange, .dotted)))
    // The ends as dots named by the guides; the highest point when it is a barrier.
    series.append(
      Series(
        name: "", xs: [0, 1], ys: [r.points.first!.loss, r.points.last!.loss], axis: .left,
        style: .points(.darkBlue, radius: 5)))
    if let b = r.barrier, b > 0 {
      let top = r.highest
      series.append(
        Series(
          name: "highest point: a barrier \(TextTable.short(b)) above the higher end",
          xs: [top.t], ys: [top.loss], axis: .left, style: .points(.crimson, radius: 5)))
    }
    let how = r.samples.map { "estimated from \($0) samples, one fixed set" } ?? "exact"
    return LineChart(
      title: title + "\nExpected loss from \(r.ends[0]) to \(r.ends[1]), latents matched (\(how))",
      xLabel: "t (encoder, biases: (1-t) A + t B; decoder rows renormalised)",
      leftLabel: same ? "expected \(mse ? "MSE" : "L2")" : "expected loss, \(mse ? "MSE" : "L2")",
      rightLabel: "expected \(mse ? "L2" : "MSE")", series: series,
      guides: [Guide(x: 0, label: r.ends[0]), Guide(x: 1, label: r.ends[1])])
  }

  /// The training loss over the slice A + s(B - A) + u(C - A) through three SAEs
  /// (`SAEPathReport` with a third end) as a heat map, the three SAEs marked.
  public static func pathSlice(_ r: SAEPathReport, title: String) -> HeatMap {
    let n = Int(Double(r.points.count).squareRoot().rounded())
    let xs = (0..<n).map { r.points[$0].s }
    let ys = (0..<n).map { r.points[$0 * n].u ?? 0 }
    let corners: [(String, Double, Double, PlotColor)] = [
      (r.ends[0], 0, 0, .white), (r.ends[1], 1, 0, .crimson), (r.ends[2], 0, 1, .orange),
    ]
    let how = r.samples.map { "estimated from \($0) samples, one fixed set" } ?? "exact"
    return HeatMap(
      title: title + "\nExpected \(r.lossName) over the plane through three SAEs, latents matched (\(how))",
      xLabel: "s (towards \(r.ends[1]))", yLabel: "u (towards \(r.ends[2]))", xs: xs, ys: ys,
      values: r.points.map(\.loss), colorBarLabel: "expected \(r.lossName)",
      overlays: corners.map { name, x, y, color in
        Series(name: name, xs: [x], ys: [y], style: .points(color, radius: 5))
      })
  }
}
