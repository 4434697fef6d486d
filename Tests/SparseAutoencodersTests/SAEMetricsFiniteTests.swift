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
