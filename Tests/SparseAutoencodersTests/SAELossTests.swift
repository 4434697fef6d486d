import ToyModels
import XCTest

@testable import SparseAutoencoders

final class SAELossTests: XCTestCase {
  let encoder: [[Double]] = [[0.9, 0.2, -0.1], [0.1, 0.8, 0.5]]
  let encoderBias = [0.05, -0.1]
  let decoder: [[Double]] = [[0.8, 0.3, 0.1], [-0.2, 0.7, 0.6]]
  let decoderBias = [0.1, 0.0, -0.05]
  let patterns: [WeightedPattern] = [
    WeightedPattern(weight: 0.5, active: []),
    WeightedPattern(weight: 0.2, active: [ActiveFeature(feature: 0, magnitude: 1)]),
    WeightedPattern(
      weight: 0.2,
      active: [ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 0.5)]),
    WeightedPattern(weight: 0.1, active: [ActiveFeature(feature: 2, magnitude: 2)]),
  ]

  /// Expected losses against an independent numpy computation of the definition.
  func testExpectedLossMatchesNumpy() throws {
    let relu = try SAE(
      decoder: decoder, decoderBias: decoderBias, encoder: encoder, encoderBias: encoderBias)
    XCTAssertEqual(relu.expectedLoss(patterns, .mse, l1: 0.3), 0.4692903269282843, accuracy: 1e-14)
    let m = relu.expectedMetrics(patterns)
    XCTAssertEqual(m.mse, 0.325633125, accuracy: 1e-14)
    XCTAssertEqual(m.l2, 0.3639420339659632, accuracy: 1e-14)
    XCTAssertEqual(m.sparsity, 0.5395, accuracy: 1e-14)
    XCTAssertEqual(m.l0, 0.9, accuracy: 1e-14)
    let matryoshka = try SAE(
      decoder: decoder, decoderBias: decoderBias, encoder: encoder, encoderBias: encoderBias,
      prefixes: [1, 2])
    XCTAssertEqual(matryoshka.expectedLoss(patterns, .l2), 0.7439675742594913, accuracy: 1e-14)
    let tiedTopK = try SAE(
      decoder: decoder, decoderBias: decoderBias, encoderBias: encoderBias,
      activation: .topK(1), prefixes: [1, 2])
    XCTAssertEqual(tiedTopK.expectedLoss(patterns, .mse), 0.7692525, accuracy: 1e-14)
    let t = tiedTopK.expectedMetrics(patterns)
    XCTAssertEqual(t.mse, 0.29972750000000004, accuracy: 1e-14)
    XCTAssertEqual(t.l2, 0.342937019233353, accuracy: 1e-14)
    XCTAssertEqual(t.sparsity, 0.455, accuracy: 1e-14)
    XCTAssertEqual(t.l0, 0.5, accuracy: 1e-14)
  }

  /// L1 per Matryoshka prefix (the authors' convention) against a throwaway numpy script of
  /// its definition, sum_j p_j sum_l omega_l (rec_l + lambda sum_{i < m_l} h_i |decoder[i]|):
  /// prefixes [1, 2], lambda 0.3; the same script gives the plain SAE's 0.4692903269282843
  /// above. The L1 weights by hand: latent 0 is in both prefixes, latent 1 in the outer.
  func testL1PerPrefixMatchesNumpy() throws {
    func sae(balance: Double?, perPrefix: Bool) throws -> SAE {
      try SAE(
        decoder: decoder, decoderBias: decoderBias, encoder: encoder, encoderBias: encoderBias,
        prefixes: [1, 2], balance: balance, l1PerPrefix: perPrefix)
    }
    let standard = try sae(balance: nil, perPrefix: true)
    XCTAssertEqual(standard.l1Weights, [2, 1])
    XCTAssertEqual(standard.expectedLoss(patterns, .mse, l1: 0.3), 1.0261829793283672, accuracy: 1e-14)
    let balanced = try sae(balance: 0.25, perPrefix: true)
    XCTAssertEqual(balanced.l1Weights, [1.25, 1])
    XCTAssertEqual(balanced.expectedLoss(patterns, .mse, l1: 0.3), 0.6085134900283051, accuracy: 1e-14)
    XCTAssertEqual(balanced.expectedLoss(patterns, .l2, l1: 0.3), 0.6259609340676503, accuracy: 1e-14)
    // Counted once (today's convention), the same SAE's loss is lower.
    let once = try sae(balance: 0.25, perPrefix: false)
    XCTAssertEqual(once.l1Weights, [1, 1])
    XCTAssertEqual(once.expectedLoss(patterns, .mse, l1: 0.3), 0.5851581769282843, accuracy: 1e-14)
    // Three prefixes 1/3/4 at beta 0.5 weigh 0.25, 0.5, 1 (by hand): latent 0 is in all three
    // (1.75), latents 1 and 2 in the outer two (1.5), latent 3 in the full width only (1).
    let rows: [[Double]] = [[1, 0], [0, 1], [1, 1], [1, -1]]
    let three = try SAE(
      decoder: rows, decoderBias: [0, 0], prefixes: [1, 3, 4], balance: 0.5, l1PerPrefix: true)
    XCTAssertEqual(three.l1Weights, [1.75, 1.5, 1.5, 1])
    // A plain SAE has one prefix: per prefix or not, each latent weighs 1.
    let plain = try SAE(decoder: decoder, decoderBias: decoderBias, l1PerPrefix: true)
    XCTAssertEqual(plain.l1Weights, [1, 1])
  }

  /// TopK and BatchTopK (at evaluation) against hand-worked pre-activations.
  func testTopKAndBatchTopKByHand() throws {
    let eye: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    let zero = [Double](repeating: 0, count: 4)
    let top2 = try SAE(decoder: eye, decoderBias: zero, activation: .topK(2))
    // a = x for the identity tied SAE.
    XCTAssertEqual(top2.activations([0.3, -1, 0.7, 0.5]), [0, 0, 0.7, 0.5])
    XCTAssertEqual(top2.activations([-0.3, -1, 0.2, -0.5]), [0, 0, 0.2, 0])  // only one positive
    XCTAssertEqual(top2.activations([0.4, 0.4, 0.4, 0.1]), [0.4, 0.4, 0, 0])  // ties: lower index
    let batch = try SAE(
      decoder: eye, decoderBias: zero, activation: .batchTopK(k: 2, threshold: 0.35))
    XCTAssertEqual(batch.activations([0.3, -1, 0.7, 0.5]), [0, 0, 0.7, 0.5])
    XCTAssertEqual(batch.activations([0.36, 0.9, 0.7, 0.5]), [0.36, 0.9, 0.7, 0.5])
    XCTAssertEqual(batch.activations([0.35, 0.1, 0, -2]), [0, 0, 0, 0])
  }

  func testBadShapesAreRefused() {
    XCTAssertThrowsError(try SAE(decoder: decoder, decoderBias: [0, 0])) {
      XCTAssertTrue("\($0)".contains("decoder_bias"))
    }
    XCTAssertThrowsError(try SAE(decoder: decoder, decoderBias: decoderBias, prefixes: [2, 1])) {
      XCTAssertTrue("\($0)".contains("matryoshka"))
    }
    XCTAssertThrowsError(try SAE(decoder: decoder, decoderBias: decoderBias, activation: .topK(3)))
  }
}
