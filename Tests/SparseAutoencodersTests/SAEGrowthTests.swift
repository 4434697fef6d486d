import ToyModels
import XCTest

@testable import SparseAutoencoders

/// Growing SAEs and the measures of how existing latents move. Expected values come from numpy
/// (QR projections) and scipy (spearmanr) in throwaway scripts, not from this code.
final class SAEGrowthTests: XCTestCase {
  func testSubspaceProjectionMatchesQR() {
    let s = Subspace(spanning: [[1, 1, 0, 0], [1, 0, 1, 0]], dimension: 4)
    XCTAssertEqual(s.basis.count, 2)
    // numpy: Q = qr([[1,1,0,0],[1,0,1,0]]^T); |Q^T x|^2 for x = (1, 2, 3, 4).
    XCTAssertEqual(s.projectedSquaredNorm([1, 2, 3, 4]), 8.666666666666664, accuracy: 1e-12)
  }

  func testSubspaceDropsDependentVectors() {
    let s = Subspace(spanning: [[1, 2, 0], [2, 4, 0], [0, 0, 0], [0, 0, 3]], dimension: 3)
    XCTAssertEqual(s.basis.count, 2)
    XCTAssertEqual(s.projectedSquaredNorm([0, 1, 0]), 0.8, accuracy: 1e-14)
  }

  func testGrowthChangeOfKnownRows() {
    let before: [[Double]] = [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    let after: [[Double]] = [[0.8, 0.6, 0, 0, 0], [0, 0.6, 0.8, 0, 0]]
    let new: [[Double]] = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0.5]]
    let c = GrowthChange(
      before: before, after: after, new: new, draws: 200, stream: RandomStream(seed: 3))
    // numpy: fraction 0.21666666666666656, portion 0.35355339059327373, |dW|/|D| 0.7745966692414834
    XCTAssertEqual(c.fractionInNewSpan, 0.21666666666666656, accuracy: 1e-12)
    XCTAssertEqual(c.portionInNewSpan, 0.35355339059327373, accuracy: 1e-12)
    XCTAssertEqual(c.relativeChange, 0.7745966692414834, accuracy: 1e-12)
    // The authors' hedging rate from the two portions.
    XCTAssertEqual(
      c.hedgingDegree, max(0, (c.portionInNewSpan - c.baselinePortion) / (1 - c.baselinePortion)),
      accuracy: 1e-15)
    // A random m-dimensional subspace of R^d holds m/d of a fixed vector's squared norm on
    // average: 2/5 here (200 draws: standard error about 0.02).
    XCTAssertEqual(c.randomBaseline, 0.4, accuracy: 0.06)
  }

  func testRandomBaselineIsMOverD() {
    let d = 12
    func unit(_ i: Int, _ scale: Double = 1) -> [Double] {
      (0..<d).map { $0 == i ? scale : 0 }
    }
    // dW = e_0 - 2 e_5, outside span(e_1, e_2, e_3).
    let after = zip(unit(0, 2), unit(5, -2)).map { $0 + $1 }
    let c = GrowthChange(
      before: [unit(0)], after: [after], new: [unit(1), unit(2), unit(3)], draws: 1000,
      stream: RandomStream(seed: 7))
    // 3 / 12 = 0.25; 1000 draws: standard error about 0.005.
    XCTAssertEqual(c.randomBaseline, 0.25, accuracy: 0.02)
    // dW = (1, 0, 0, 0, 0, -2, ...) lies outside span(e_1, e_2, e_3): nothing in the new span.
    XCTAssertEqual(c.fractionInNewSpan, 0, accuracy: 1e-15)
    XCTAssertEqual(c.hedgingDegree, 0)
  }

  func testNoChangeHasNoHedging() {
    let rows: [[Double]] = [[1, 0, 0], [0, 1, 0]]
    let c = GrowthChange(
      before: rows, after: rows, new: [[0, 0, 1]], draws: 5, stream: RandomStream(seed: 1))
    XCTAssertEqual(c.fractionInNewSpan, 0)
    XCTAssertEqual(c.relativeChange, 0)
    XCTAssertEqual(c.hedgingDegree, 0)
  }

  func testRankCorrelationMatchesScipy() throws {
    // scipy.stats.spearmanr (ties at their mean rank): 0.7500000000000001.
    let rho = try XCTUnwrap(
      rankCorrelation([0.1, 0.4, 0.4, 0.2, 0.9, 0.3], [1.0, 3.0, 2.0, 2.0, 5.0, 0.5]))
    XCTAssertEqual(rho, 0.75, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(rankCorrelation([1, 2, 3], [30, 20, 10])), -1, accuracy: 1e-15)
    XCTAssertNil(rankCorrelation([1, 1, 1], [1, 2, 3]))
  }

  func testGrownKeepsExistingLatentsAndAddsRowsOfTheAuthorsNorm() throws {
    let sae = try SAE(
      decoder: [[0.6, 0.8, 0], [0, 0, 1]], decoderBias: [0.1, 0.2, 0.3],
      encoder: [[0.5, 0.5, 0], [0, 0.2, 0.9]], encoderBias: [-0.1, 0.2])
    // The authors' extend_sae: rows of norm 0.1 (the default) in encoder and decoder.
    let small = sae.grown(by: 1, stream: RandomStream(seed: 5))
    XCTAssertEqual(small.decoderRow(2).reduce(0) { $0 + $1 * $1 }, 0.01, accuracy: 1e-16)
    let g = sae.grown(by: 2, norm: 1, stream: RandomStream(seed: 5))
    XCTAssertEqual(g.latents, 4)
    XCTAssertEqual(Array(g.decoder.prefix(6)), sae.decoder)
    XCTAssertEqual(Array(g.encoder.prefix(6)), sae.encoder)
    XCTAssertEqual(g.encoderBias, [-0.1, 0.2, 0, 0])
    XCTAssertEqual(g.decoderBias, sae.decoderBias)
    for i in 2..<4 {
      let r = g.decoderRow(i)
      XCTAssertEqual(r.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-14)
      XCTAssertEqual(Array(g.encoder[(i * 3)..<(i * 3 + 3)]), r)
    }
    XCTAssertNotEqual(g.decoderRow(2), g.decoderRow(3))
  }

  func toy() throws -> ToyModel {
    try HierarchyToy(
      featureCount: 6,
      groups: [
        .init(
          parent: 0, probability: 0.3,
          children: [.init(feature: 1, probability: 0.3), .init(feature: 2, probability: 0.3)],
          exclusiveChildren: true)
      ],
      independent: [
        .init(feature: 3, probability: 0.2), .init(feature: 4, probability: 0.2),
        .init(feature: 5, probability: 0.2),
      ]
    ).toyModel()
  }

  func growth(seed: UInt64 = 1, dimension: Int? = 10) throws -> SAEGrowth {
    var plan = SAETrainingPlan()
    plan.data = .exact
    plan.steps = 200
    plan.l1 = 0.01
    plan.seed = seed
    plan.dimension = dimension
    let initial = try SAEArchitecture(latents: 2).initialSAE(
      dimensions: dimension ?? 6, seed: seed,
      basis: dimension.map { FeatureEmbedding(features: 6, dimension: $0, seed: seed).basis })
    return try SAEGrowth.run(
      initial, on: toy(), training: plan, growth: SAEGrowthPlan(start: 2, add: 2, to: 6, draws: 5))
  }

  func testGrowthReportsEveryWidthAndIsDeterministic() throws {
    let g = try growth()
    XCTAssertEqual(g.widths, [2, 4, 6])
    XCTAssertNil(g.changes[0])
    XCTAssertNotNil(g.changes[1])
    XCTAssertEqual(g.hedgingDegree.count, 3)
    XCTAssertNil(g.hedgingDegree[2])
    XCTAssertEqual(g.saes.map(\.latents), [2, 4, 6])
    for c in g.changes.compactMap({ $0 }) {
      XCTAssert((0...1).contains(c.fractionInNewSpan))
      XCTAssert((0...1).contains(c.randomBaseline))
    }
    // The existing latents of each width start the next width's training.
    XCTAssertEqual(g.decoderBiasNorm.count, 3)
    XCTAssertEqual(try growth(), g)
    XCTAssertNotEqual(try growth(seed: 2).trueHedgingMass, g.trueHedgingMass)
    // Six latents for six features: the reconstruction improves as the SAE grows.
    XCTAssertLessThan(g.mse[2], g.mse[0])
  }

  /// The authors' protocol: the movement of the existing latents is extended - control, the
  /// control being the SAE before growing trained for the same steps and seed. Recomputed
  /// here from the runs themselves: one new latent spans a line u, so the fraction in its
  /// span is sum_i (dW_i . u)^2 / |u|^2 / sum_i |dW_i|^2.
  func testControlProtocolMeasuresAgainstTheControl() throws {
    var plan = SAETrainingPlan()
    plan.data = .exact
    plan.steps = 150
    plan.l1 = 0.01
    plan.seed = 3
    let toy = try toy()
    let initial = try SAEArchitecture(latents: 2).initialSAE(dimensions: 6, seed: 3)
    var growth = SAEGrowthPlan(start: 2, add: 1, to: 3, draws: 3)
    let g = try SAEGrowth.run(initial, on: toy, training: plan, growth: growth)
    XCTAssertEqual(g.growthProtocol, .control)

    let first = try initial.trainingRun(on: toy, plan).sae
    var second = plan
    second.seed = 4
    let control = try first.trainingRun(on: toy, second).sae
    let extended = try first.grown(by: 1, norm: 0.1, stream: RandomStream(seed: 3))
      .trainingRun(on: toy, second).sae
    XCTAssertEqual(g.saes[1], extended)
    func fraction(_ reference: SAE) -> Double {
      let u = extended.decoderRow(2)
      let uu = u.reduce(0) { $0 + $1 * $1 }
      var inSpan = 0.0
      var total = 0.0
      for i in 0..<2 {
        let dW = zip(extended.decoderRow(i), reference.decoderRow(i)).map { $0 - $1 }
        let p = zip(dW, u).reduce(0) { $0 + $1.0 * $1.1 }
        inSpan += p * p / uu
        total += dW.reduce(0) { $0 + $1 * $1 }
      }
      return inSpan / total
    }
    let measured = try XCTUnwrap(g.changes[1]).fractionInNewSpan
    XCTAssertEqual(measured, fraction(control), accuracy: 1e-12)
    // Today's other protocol measures against the SAE before growing: another number.
    growth.growthProtocol = .continued
    let continued = try SAEGrowth.run(initial, on: toy, training: plan, growth: growth)
    XCTAssertEqual(
      try XCTUnwrap(continued.changes[1]).fractionInNewSpan, fraction(first), accuracy: 1e-12)
    XCTAssertNotEqual(fraction(first), fraction(control))
  }

  /// Folding the decoder norms keeps the SAE's function and loss: by hand, latent 0 with
  /// decoder (2, 0), encoder (1, 1), bias 0.5 maps x = (1, 0) to h = 1.5 and x_hat = (3, 0);
  /// folded, decoder (1, 0), encoder (2, 2), bias 1: h = 3, x_hat = (3, 0). Latent 1
  /// (0.3 - 0.5 < 0) is off before and after.
  func testFoldingDecoderNormsKeepsTheFunction() throws {
    let sae = try SAE(
      decoder: [[2, 0], [0, 0.5]], decoderBias: [0, 0], encoder: [[1, 1], [0.3, 2]],
      encoderBias: [0.5, -0.5])
    let folded = sae.foldingDecoderNorms()
    XCTAssertEqual(folded.decoder, [1, 0, 0, 1])
    XCTAssertEqual(folded.encoder, [2, 2, 0.15, 1])
    XCTAssertEqual(folded.encoderBias, [1, -0.25])
    XCTAssertEqual(folded.activations([1, 0]), [3, 0])
    XCTAssertEqual(folded.reconstruction(folded.activations([1, 0])), [3, 0])
    let patterns = [
      WeightedPattern(weight: 0.5, active: [ActiveFeature(feature: 0, magnitude: 1)]),
      WeightedPattern(weight: 0.3, active: [ActiveFeature(feature: 1, magnitude: 2)]),
    ]
    XCTAssertEqual(
      folded.expectedLoss(patterns, .mse, l1: 0.1), sae.expectedLoss(patterns, .mse, l1: 0.1),
      accuracy: 1e-14)
    var tied = sae
    tied.tied = true
    XCTAssertEqual(tied.foldingDecoderNorms(), tied)
  }

  func testGrowthPlanChecksItsFields() {
    for (plan, field) in [
      (SAEGrowthPlan(start: 0, add: 1, to: 3), "start"),
      (SAEGrowthPlan(start: 2, add: 0, to: 3), "add"),
      (SAEGrowthPlan(start: 2, add: 2, to: 5), "to"),
      (SAEGrowthPlan(start: 2, add: 2, to: 2), "to"),
      (SAEGrowthPlan(start: 2, add: 2, to: 6, draws: 0), "draws"),
    ] {
      XCTAssertThrowsError(try plan.check()) { e in
        XCTAssert("\(e)".hasPrefix(field + ":"), "\(e)")
      }
    }
  }

  func testGrowthRefusesTopKAndMatryoshka() throws {
    var plan = SAETrainingPlan()
    plan.data = .exact
    plan.steps = 1
    let topK = try SAEArchitecture(latents: 2, activation: .topk, topK: 1).initialSAE(
      dimensions: 6, seed: 1)
    XCTAssertThrowsError(
      try SAEGrowth.run(
        topK, on: toy(), training: plan, growth: SAEGrowthPlan(start: 2, add: 2, to: 4)))
    XCTAssertThrowsError(
      try SAEGrowth.run(
        topK, on: toy(), training: plan, growth: SAEGrowthPlan(start: 3, add: 2, to: 5)))
  }
}
