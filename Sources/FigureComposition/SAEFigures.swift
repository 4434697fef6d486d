import Plotting
import SparseAutoencoders

extension Figures {
  /// Hedging (left axis: the inner latents' decoder hedging mass) and absorption (right axis,
  /// with the encoder's hedging mass, where absorption shows) over the balance coefficient: the
  /// seeds' means as lines, each seed's decoder hedging and absorption as dots, the snap-loss
  /// runs as larger dots at beta = 1.
  public static func balanceChart(_ s: BalanceSweep, title: String) -> LineChart {
    let order = s.coefficients.indices.sorted { s.coefficients[$0] < s.coefficients[$1] }
    let xs = order.map { s.coefficients[$0] }
    let mseRuns = s.runs.filter { !$0.snap }
    var series = [
      Series(
        name: "decoder hedging mass (inner latents)", xs: xs,
        ys: order.map { s.hedgingMass[$0] }, axis: .left, style: .line(.darkBlue)),
      Series(
        name: "encoder hedging mass (inner latents)", xs: xs,
        ys: order.map { s.encoderHedgingMass[$0] }, axis: .right,
        style: .line(.purple, .dotted)),
      Series(
        name: "absorption (parent latent off when a child fires, mean)", xs: xs,
        ys: order.map { s.absorption[$0] }, axis: .right, style: .line(.orange, .dashed)),
    ]
    if s.seeds.count > 1 {
      series.append(
        Series(
          name: "", xs: mseRuns.map(\.balance), ys: mseRuns.map(\.decoderHedgingMass),
          axis: .left, style: .points(.darkBlue, radius: 2.5)))
      series.append(
        Series(
          name: "", xs: mseRuns.map(\.balance), ys: mseRuns.map(\.absorption), axis: .right,
          style: .points(.orange, radius: 2.5)))
    }
    if let hedging = s.snapHedgingMass, let absorbed = s.snapAbsorption {
      series.append(
        Series(
          name: "snap loss (#gb = 1): decoder hedging mass", xs: [1], ys: [hedging],
          axis: .left, style: .points(.green, radius: 5)))
      series.append(
        Series(
          name: "snap loss (#gb = 1): absorption", xs: [1], ys: [absorbed], axis: .right,
          style: .points(.crimson, radius: 5)))
    }
    let seeds = s.seeds.count == 1 ? "seed \(s.seeds[0])" : "\(s.seeds.count) seeds"
    return LineChart(
      title: title + "\nHedging against absorption along the balance coefficient (\(seeds))",
      xLabel: "balance coefficient #gb (prefix l of L weighs #gb#u(L-l)#d)",
      leftLabel: "decoder hedging mass", rightLabel: "absorption, encoder hedging mass",
      series: series)
  }

  /// The paper's picture of an SAE: its encoder's and decoder's cosines with the true
  /// features (cos(W_enc,i, e_j), cos(W_dec,i, e_j), one row per latent), beside the true
  /// features' cosines with each other (the identity: the features are orthonormal).
  public static func latentCosines(_ r: SAEReport, title: String) -> CosinePanels {
    latentCosines(encoder: r.encoderCos, decoder: r.decoderCos, features: r.features, title: title)
  }

  /// The figure of `latentCosines(_:title:)` from the cosines (latents x features) and the
  /// features' names.
  static func latentCosines(
    encoder: [[Double]], decoder: [[Double]], features: [String], title: String
  ) -> CosinePanels {
    let n = encoder.first?.count ?? 0
    let identity = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    return CosinePanels(
      title: title,
      panels: [
        CosinePanels.Panel(title: "Encoder", rows: encoder),
        CosinePanels.Panel(title: "Decoder", rows: decoder),
      ],
      reference: CosinePanels.Panel(title: "True features", rows: identity),
      rowLabel: "latent", columnLabel: "feature", columnNames: features)
  }
}
