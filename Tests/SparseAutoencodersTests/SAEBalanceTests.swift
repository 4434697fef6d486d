import ToyModels
import XCTest

@testable import SparseAutoencoders

/// The balance Matryoshka SAE's prefix-weighted loss and its gradient.
final class SAEBalanceTests: XCTestCase {
  let encoder: [[Double]] = [[0.9, 0.2, -0.1], [0.1, 0.8, 0.5], [0.3, -0.2, 0.7]]
  let encoderBias = [0.05, -0.1, 0.02]
  let decoder: [[Double]] = [[0.8, 0.3, 0.1], [-0.2, 0.7, 0.6], [0.1, 0.1, 0.9]]
  let decoderBias = [0.1, 0.0, -0.05]
  let patterns: [WeightedPattern] = [
    WeightedPattern(weight: 0.4, active: []),
    WeightedPattern(weight: 0.2, active: [ActiveFeature(feature: 0, magnitude: 1)]),
    WeightedPattern(
      weight: 0.2,
      active: [ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 0.5)]),
    WeightedPattern(weight: 0.1, active: [ActiveFeature(feature: 2, magnitude: 2)]),
    WeightedPattern(
      weight: 0.1,
      active: [ActiveFeature(feature: 1, magnitude: 1), ActiveFeature(feature: 2, magnitude: 1)]),
  ]

  func sae(_ beta: Double?, prefixes: [Int] = [1, 2, 3]) throws -> SAE {
    try SAE(
      decoder: decoder, decoderBias: decoderBias, encoder: encoder, encoderBias: encoderBias,
      prefixes: prefixes, balance: beta)
  }

  func testPrefixWeightsArePowersOfBeta() throws {
    XCTAssertEqual(try sae(0.4).prefixWeights, [0.4 * 0.4, 0.4, 1])
    XCTAssertEqual(try sae(0).prefixWeights, [0, 0, 1])
    XCTAssertEqual(try sae(nil).prefixWeights, [1, 1, 1])
    XCTAssertEqual(try sae(2.5, prefixes: [2, 3]).prefixWeights, [2.5, 1])
  }

  /// Loss and gradient against an independent numpy computation of the definition
  /// (sum_l beta^(L-l) rec(x - xhat_l) + l1 sum_i h_i |d_i|, gradient by numpy central
  /// differences, so to about 1e-9).
  func testLossAndGradientMatchNumpy() throws {
    let cases:
      [(
        beta: Double, rec: ReconstructionLoss, l1: Double, loss: Double, decoder: [Double],
        encoder: [Double], decoderBias: [Double]
      )] = [
        (
          0.4, .mse, 0.3, 0.6885991441466064,
          [
            -0.1205634826, 0.2249630064, 0.3722355022, -0.0839309619, 0.2483093669,
            0.01886038592, -0.01743227745, 0.2730152225, 0.1355570031,
          ],
          [
            0.01043861525, -0.009393248401, -0.004141180232, 0.4776148075, 0.1484078868,
            0.1972643132, 0.3536019021, 0.1679026015, 0.0910555526,
          ],
          [-0.3621368593, -0.02470690263, -0.6195850474]
        ),
        (
          0.4, .l2, 0, 0.5859678625705705,
          [
            -0.2576551509, 0.1996626867, 0.3719083692, -0.09093599346, 0.0552736989,
            0.1075583796, -0.03443370394, 0.1620992916, 0.09042101479,
          ],
          [
            -0.09968939435, -0.08291811127, -0.05312420293, 0.4028880189, 0.1005359614,
            0.0987910882, 0.2606595447, 0.1509789321, 0.05754911597,
          ],
          [0.2826168022, -0.01270232614, -0.3058568921]
        ),
        (
          2.5, .mse, 0, 5.2119553375,
          [
            -1.31497, 0.4086368746, 0.730156875, -0.226434, 0.3902327501, -0.6727992501,
            -0.02780500008, 0.2626425002, 0.04220249972,
          ],
          [
            -0.7715250003, -0.7270600006, -0.5071275, 0.8127555002, 0.09676000001,
            -0.3646977498, 0.2716079996, 0.11324, -0.004603999848,
          ],
          [0.5893745003, -0.3868070002, -4.9328965]
        ),
        (
          0, .l2, 0.3, 0.614078559017814,
          [
            -0.03327548798, 0.1759497094, 0.3102804074, -0.07444988442, 0.1178831696,
            0.2150215774, -0.02406098132, 0.1724720142, 0.183775518,
          ],
          [
            0.05765240874, 0.01231080848, 0.00403441125, 0.3891879312, 0.1573414457,
            0.2391102066, 0.3426534469, 0.2056415336, 0.1532086685,
          ],
          [-0.06694304061, -0.1424010597, -0.4029136135]
        ),
      ]
    for c in cases {
      let s = try sae(c.beta)
      var g = SAEGradient(zeroFor: s)
      let loss = s.expectedLoss(patterns, c.rec, l1: c.l1, gradient: &g)
      let label = "beta \(c.beta) \(c.rec)"
      XCTAssertEqual(loss, c.loss, accuracy: 1e-14, label)
      for (got, want) in zip(g.decoder, c.decoder) {
        XCTAssertEqual(got, want, accuracy: 1e-8, label)
      }
      for (got, want) in zip(g.encoder, c.encoder) {
        XCTAssertEqual(got, want, accuracy: 1e-8, label)
      }
      for (got, want) in zip(g.decoderBias, c.decoderBias) {
        XCTAssertEqual(got, want, accuracy: 1e-8, label)
      }
    }
  }

  /// beta = 1 is the standard Matryoshka SAE, beta = 0 the plain SAE (one prefix, all latents).
  func testEndsOfTheSweep() throws {
    for rec in ReconstructionLoss.allCases {
      XCTAssertEqual(
        try sae(1).expectedLoss(patterns, rec, l1: 0.3),
        try sae(nil).expectedLoss(patterns, rec, l1: 0.3))
      XCTAssertEqual(
        try sae(0).expectedLoss(patterns, rec, l1: 0.3),
        try sae(nil, prefixes: [3]).expectedLoss(patterns, rec, l1: 0.3), accuracy: 1e-15)
    }
    // One sample's loss weighs its prefixes the same way.
    let x = [1.0, 0.5, 0]
    let s = try sae(0.4)
    XCTAssertEqual(
      s.loss(x, .mse, l1: 0.3), s.expectedLoss([patterns[2]], .mse, l1: 0.3) / 0.2,
      accuracy: 1e-14)
  }

  func testBadBalanceIsRefused() {
    for (beta, prefixes) in [
      (-0.5, [1, 2, 3]), (.nan, [1, 2, 3]), (.infinity, [1, 2, 3]), (0.5, [3]),
    ] {
      XCTAssertThrowsError(try sae(beta, prefixes: prefixes)) { e in
        XCTAssertTrue("\(e)".hasPrefix("balance: "), "\(e)")
      }
    }
  }
}
