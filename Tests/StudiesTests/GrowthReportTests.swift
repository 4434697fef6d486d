import CaseFiles
import Foundation
import SparseAutoencoders
import ToyModels
import XCTest

@testable import Studies

/// The growth report's rank correlations: within each correlation scale and pooled, in the
/// text, the JSON and what `validate` checks.
final class GrowthReportTests: XCTestCase {
  /// A run over widths 1...5 whose first four widths have hedging degrees `h` and all five
  /// the true hedging masses `m`.
  func run(_ h: [Double], _ m: [Double]) -> SAEGrowth {
    var g = SAEGrowth()
    g.widths = [1, 2, 3, 4, 5]
    let one = GrowthChange(
      before: [[1, 0]], after: [[1, 0]], new: [[0, 1]], draws: 1, stream: RandomStream(seed: 1))
    g.changes = [nil] + h.map { x in
      var c = one
      c.hedgingDegree = x
      return c
    }
    g.trueHedgingMass = m
    g.decoderBiasNorm = [Double](repeating: 0, count: 5)
    g.mse = [Double](repeating: 0, count: 5)
    return g
  }

  func testRankCorrelationIsGivenPerScaleAndPooled() throws {
    // scipy.stats.spearmanr: run a's four pairs 0.8, run b's -0.8, the eight pooled
    // -0.7619047619047621 (the masses' last width has no hedging degree and is left out).
    let a = run([0.1, 0.4, 0.2, 0.3], [1, 4, 3, 2, 9])
    let b = run([0.5, 0.6, 0.7, 0.8], [0.3, 0.1, 0.2, 0.0, 5])
    let report = GrowthReport(runs: [a, b], scales: [0.5, 1])
    XCTAssertEqual(try XCTUnwrap(report.rankCorrelationPerScale[0]), 0.8, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(report.rankCorrelationPerScale[1]), -0.8, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(report.rankCorrelation), -0.7619047619047621, accuracy: 1e-12)

    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
    let perScale = try XCTUnwrap(json["rank_correlation_per_scale"] as? [Double])
    XCTAssertEqual(perScale[0], 0.8, accuracy: 1e-12)
    XCTAssertEqual(perScale[1], -0.8, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(json["rank_correlation"] as? Double), -0.7619047619047621, accuracy: 1e-12)

    let saeCase = SAECase(
      name: "t", title: "t", features: ["a", "b"],
      toy: ToyModel(features: ["a", "b"], firing: .enumerable([])),
      architecture: SAEArchitecture(latents: 1), plan: SAETrainingPlan())
    let text = report.text(
      SAEGrowthStudy(plan: SAEGrowthPlan(start: 1, add: 1, to: 5), correlationScales: [0.5, 1]),
      saeCase)
    XCTAssert(text.contains("within correlation scale 0.5: 0.8000"), text)
    XCTAssert(text.contains("within correlation scale 1.0: -0.8000"), text)
    XCTAssert(text.contains("pooled over every scale: -0.7619"), text)

    // validate: the lowest rho within a scale, and the pooled one.
    XCTAssertEqual(
      try XCTUnwrap(SAEGrowthExpectation(.rankCorrelationWithinScales).value([a, b])), -0.8,
      accuracy: 1e-12)
    XCTAssertEqual(
      try XCTUnwrap(SAEGrowthExpectation(.rankCorrelation).value([a, b])), -0.7619047619047621,
      accuracy: 1e-12)
    // A scale whose rho is undefined (constant hedging degree) leaves the lowest undefined.
    let flat = run([0.2, 0.2, 0.2, 0.2], [1, 2, 3, 4, 5])
    XCTAssertNil(SAEGrowthExpectation(.rankCorrelationWithinScales).value([a, flat]))
  }
}
