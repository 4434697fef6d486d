import Foundation
import Plotting
import SparseAutoencoders
import ToyModels

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
  /// features (cos(W_enc,i, e_j), cos(W_dec,i, e_j), one row per latent), each latent's decoder
  /// hedging mass beside the decoder, and what the SAE is up against: how the toy's features
  /// fire together (`relationPanel`).
  public static func latentCosines(_ r: SAEReport, relation: FeatureRelation, title: String)
    -> CosinePanels
  {
    latentCosines(
      encoder: r.encoderCos, decoder: r.decoderCos, features: r.features,
      hedgingMass: r.decoderLatents.map(\.hedgingMass), relation: relation, title: title)
  }

  /// The figure of `latentCosines(_:relation:title:)` from the cosines (latents x features),
  /// the features' names, the latents' hedging mass and the features' relation.
  static func latentCosines(
    encoder: [[Double]], decoder: [[Double]], features: [String], hedgingMass: [Double],
    relation: FeatureRelation, title: String
  ) -> CosinePanels {
    CosinePanels(
      title: title,
      panels: [
        CosinePanels.Panel(title: "Encoder", rows: encoder),
        CosinePanels.Panel(
          title: "Decoder", rows: decoder,
          rowNotes: hedgingMass.map { String(format: "%.2f", $0) }, notesTitle: "hedging"),
      ],
      reference: relationPanel(relation),
      rowLabel: "latent", columnLabel: "feature", columnNames: features)
  }

  /// The panel of how the features fire together: "Co-occurrence P(i and j fire)" (the
  /// diagonal the firing probabilities) or "Feature correlation" (the gaussian's C), both on
  /// the cosines' scale -1...1.
  public static func relationPanel(_ relation: FeatureRelation) -> CosinePanels.Panel {
    switch relation {
    case .cooccurrence(let m): return CosinePanels.Panel(title: "P(i and j fire)", rows: m)
    case .correlation(let m): return CosinePanels.Panel(title: "Feature correlation", rows: m)
    }
  }
}
