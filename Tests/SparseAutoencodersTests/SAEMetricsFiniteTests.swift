import Foundation
import ToyModels
import XCTest

@testable import SparseAutoencoders

/// `SAE.metrics`, the one place every report of an SAE's losses passes through, refuses a
/// loss that is not finite instead of printing inf (issue 21 item 9).
final class SAEMetricsFiniteTests: XCTestCase {
  /// One feature firing with magnitude 1 half the time.
  let toy = ToyModel(
    features: ["f"],
    firing: .enumerable([
      WeightedPattern(weight: 0.5, active: [ActiveFeature(feature: 0, magnitude: 1)])
    ]))

  /// Decoder weight w, encoder 1: h = 1 when f fires, xhat = w, so mse = 0.5 (1 - w)^2.
  func sae(decoder w: Double) throws -> SAE {
    try SAE(decoder: [[w]], decoderBias: [0], encoder: [[1]], encoderBias: [0])
  }

  func testAnOverflowingLossIsNamed() throws {
    // (1 - 1e200)^2 = 1e400 overflows: mse is the first loss named.
    XCTAssertThrowsError(try sae(decoder: 1e200).metrics(on: toy)) { error in
      XCTAssertEqual(
        "\(error)",
        "mse: inf is not finite: the SAE's weights or the toy's magnitudes are too large for a "
          + "Double")
    }
  }

  func testAFiniteLossPasses() throws {
    // 0.5 (1 - 1e150)^2 = 5e299 is finite.
    let m = try sae(decoder: 1e150).metrics(on: toy)
    XCTAssertEqual(m.mse, 0.5 * (1 - 1e150) * (1 - 1e150))
    XCTAssertEqual(m.l2, 0.5 * (1e150 - 1))
  }
}

/// An estimate's standard errors against the closed form of a Bernoulli mean: one feature
/// firing with probability 0.3 (magnitude 1), a latent with encoder 1 and decoder 1/2, so
/// each draw has h = 1 and |x - xhat| = 1/2 when the feature fires, else 0: with p the
/// share of draws that fire, SE(l0) = SE(sparsity) = sqrt(p (1 - p) / (N - 1)), SE(l2) half
/// of it and SE(mse) a quarter.
final class SAEMetricsEstimateTests: XCTestCase {
  func testStandardErrorsOfABernoulliEstimate() throws {
    let firing = try CorrelatedFiring(probabilities: [0.3], correlation: [[1]])
    let toy = ToyModel(features: ["f"], firing: .correlated(firing))
    let sae = try SAE(decoder: [[0.5]], decoderBias: [0], encoder: [[1]], encoderBias: [0])
    let n = 25_000
    let m = try sae.metrics(on: toy, samples: n, seed: 3)
    XCTAssertFalse(m.exact)
    let p = m.l0
    XCTAssertEqual(p, 0.3, accuracy: 0.015)  // five standard errors
    XCTAssertEqual(m.sparsity, p, accuracy: 1e-12)
    XCTAssertEqual(m.mse, 0.25 * p, accuracy: 1e-12)
    let se = try XCTUnwrap(m.standardErrors)
    let bernoulli = (p * (1 - p) / Double(n - 1)).squareRoot()
    XCTAssertEqual(se.l0, bernoulli, accuracy: 1e-12)
    XCTAssertEqual(se.sparsity, bernoulli, accuracy: 1e-12)
    XCTAssertEqual(se.l2, bernoulli / 2, accuracy: 1e-12)
    XCTAssertEqual(se.mse, bernoulli / 4, accuracy: 1e-12)
    // An exact toy has none; the JSON names them only for an estimate.
    let exact = ToyModel(
      features: ["f"],
      firing: .enumerable([
        WeightedPattern(weight: 0.3, active: [ActiveFeature(feature: 0, magnitude: 1)])
      ]))
    XCTAssertNil(try sae.metrics(on: exact).standardErrors)
    let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
    XCTAssertTrue(json.contains("\"mse_standard_error\""), json)
  }
}
