import ToyModels
import XCTest

@testable import Landscape

/// `MinimaReport`, the one place `minima` (command line and `/api/minima`) passes through,
/// refuses a loss that is not finite instead of listing inf as a global minimum (issue 21
/// item 9). The cases are built without `validate()`, which bounds the penalty first.
final class MinimaReportFiniteTests: XCTestCase {
  /// The hierarchy (p0 = 0.3, p01 = 0.1) with magnitudes 1e6 and an L1 penalty lambda.
  func hierarchy(lambda: Double) -> LatentCase {
    LatentCase(
      name: "big", title: "", features: ["parent", "child"],
      patterns: [
        Pattern(name: "p0", probability: 0.3, magnitudes: [1e6, 0]),
        Pattern(name: "p01", probability: 0.1, magnitudes: [1e6, 1e6]),
      ],
      path: LatentPath(from: [1, 0], to: [0, 1]), penalty: Penalty(coefficient: lambda))
  }

  func testAnInfiniteLossIsNamed() {
    // At t = 0, lambda E[h] = 1e308 (0.3 + 0.1) 1e6 overflows.
    XCTAssertThrowsError(try MinimaReport(hierarchy(lambda: 1e308))) { error in
      XCTAssertEqual(
        "\(error)",
        "mse.minima[0].loss: inf is not finite: the penalty or the magnitudes are too large "
          + "for a Double")
    }
  }

  func testFiniteLossesPass() throws {
    // lambda 1e300: the L2 loss at t = 1 is 1e300 (0.1 1e6) + 0.3 1e6 + rounding = 1e305.
    let report = try MinimaReport(hierarchy(lambda: 1e300))
    XCTAssertTrue(report.l2.allSatisfy { $0.minimum.loss.isFinite })
    XCTAssertEqual(report.l2.last?.minimum.t, 1)
    XCTAssertEqual(report.l2.last?.minimum.loss ?? 0, 1e305, accuracy: 1e291)
  }
}
