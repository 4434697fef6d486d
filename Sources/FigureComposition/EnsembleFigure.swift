import Plotting
import SparseAutoencoders

extension Figures {
  /// An SAE ensemble's figure: against the member (1...J), each latent's true hedging mass
  /// (left axis, one series per latent, and the member's mean dashed) and the mse (exact, or
  /// estimated on held-out draws for a sampled toy) of the
  /// ensemble of the first j members (right axis), with the first member's alone as a guide
  /// line.
  public static func ensembleChart(_ r: SAEEnsembleReport, title: String) -> LineChart {
    let xs = (1...r.members).map(Double.init)
    let latents = r.hedgingMass.map(\.count).max() ?? 0
    var series: [Series] = (0..<latents).map { l in
      let points = r.hedgingMass.enumerated().compactMap { j, row in
        l < row.count ? (Double(j + 1), row[l]) : nil
      }
      return Series(
        // One legend entry for every latent's points (they share a style).
        name: latents == 1 ? "hedging mass, latent 0" : l == 0 ? "hedging mass, each latent" : "",
        xs: points.map(\.0), ys: points.map(\.1), style: .points(.darkBlue, radius: 4))
    }
    if latents > 1 {
      series.append(
        Series(
          name: "hedging mass, member mean", xs: xs,
          ys: r.hedgingMass.map { $0.reduce(0, +) / Double(max($0.count, 1)) },
          style: .line(.darkBlue, .dashed)))
    }
    series.append(
      Series(
        name: "\(r.method) mse of members 1...j", xs: xs, ys: r.mseByMembers, axis: .right,
        style: .line(.orange)))
    series.append(
      Series(
        name: "first member alone", xs: xs, ys: xs.map { _ in r.singleMSE }, axis: .right,
        style: .line(.grey, .dotted, width: 1.5)))
    let maxMass = r.hedgingMass.flatMap { $0 }.max() ?? 0
    let maxMSE = max(r.mseByMembers.max() ?? 0, r.singleMSE)
    return LineChart(
      title: title, xLabel: "member j (1 = the first)", leftLabel: "true hedging mass per latent",
      rightLabel: r.samples == nil ? "exact mse" : "mse (\(r.samples!) held-out samples)",
      series: series,
      xRange: 0.5...(Double(r.members) + 0.5), leftRange: 0...max(1.05 * maxMass, 0.01),
      rightRange: 0...max(1.05 * maxMSE, 1e-6))
  }
}
