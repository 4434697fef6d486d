import Plotting
import SparseAutoencoders

extension Figures {
  /// The figure of a growing SAE (`landscape grow`).
  ///
  /// Over the SAE's width: the fraction of the existing latents' change in the new latents'
  /// span and its random baseline, the hedging degree and the true hedging mass (left axis,
  /// 0 to 1), the decoder bias's norm (right axis). Several runs (correlation scales): the
  /// hedging degree of every width but the last against its true hedging mass, one colour
  /// per run labelled with Spearman's rho within it, and rho pooled over all of them in the
  /// title.
  /// - Parameters: runs: at least one, each with at least two widths; scales: one per run.
  public static func growthChart(_ runs: [SAEGrowth], scales: [Double], title: String)
    -> LineChart
  {
    func xs(_ r: SAEGrowth, _ keep: (Int) -> Bool) -> [Double] {
      r.widths.indices.filter(keep).map { Double(r.widths[$0]) }
    }
    if runs.count == 1 {
      let r = runs[0]
      let grown = { (i: Int) in r.changes[i] != nil }
      let measured = { (i: Int) in r.hedgingDegree[i] != nil }
      let series = [
        Series(
          name: "in the new latents' span", xs: xs(r, grown),
          ys: r.changes.compactMap { $0?.fractionInNewSpan }, style: .line(.darkBlue)),
        Series(
          name: "random subspace (baseline)", xs: xs(r, grown),
          ys: r.changes.compactMap { $0?.randomBaseline }, style: .line(.grey, .dashed)),
        Series(
          name: "hedging degree (before growing)", xs: xs(r, measured),
          ys: r.hedgingDegree.compactMap { $0 }, style: .line(.green, .dashDot)),
        Series(
          name: "true hedging mass (mean)", xs: xs(r, { _ in true }), ys: r.trueHedgingMass,
          style: .line(.crimson, .dotted)),
        Series(
          name: "decoder bias norm", xs: xs(r, { _ in true }), ys: r.decoderBiasNorm,
          axis: .right, style: .line(.orange, .solid)),
      ]
      return LineChart(
        title: title + "\ngrowing the SAE: how its existing latents move", xLabel: "latents",
        leftLabel: "fraction / hedging", rightLabel: "decoder bias norm", series: series,
        leftRange: 0...1)
    }
    var series: [Series] = []
    for (k, (r, s)) in zip(runs, scales).enumerated() {
      let measured = r.widths.indices.filter { r.hedgingDegree[$0] != nil }
      let within = r.rankCorrelation.map { String(format: "rho %.2f", $0) } ?? "rho undefined"
      series.append(
        Series(
          name: "correlation scale \(s) (\(within))", xs: measured.map { r.trueHedgingMass[$0] },
          ys: measured.map { r.hedgingDegree[$0]! },
          style: .points(SeriesStyle.cycle(k).color, radius: 5)))
    }
    let rho = SAEGrowth.pooledRankCorrelation(runs)
    let rhoText = rho.map { "pooled Spearman rho \(String(format: "%.2f", $0))" } ?? "rho undefined"
    return LineChart(
      title: title + "\nhedging degree against the true hedging mass, every width (\(rhoText))",
      xLabel: "true hedging mass of the SAE (mean over latents)",
      leftLabel: "hedging degree (grown by the next step)", series: series)
  }
}
