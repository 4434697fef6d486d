import ToyModels
import XCTest

@testable import SparseAutoencoders

final class SAETrainerTests: XCTestCase {
  /// Parent (0.3) with a child (0.4 given the parent), and an independent feature (0.2).
  func toy() throws -> ToyModel {
    try HierarchyToy(
      featureCount: 3,
      groups: [
        .init(
          parent: 0, probability: 0.3, children: [.init(feature: 1, probability: 0.4)],
          exclusiveChildren: true)
      ],
      independent: [.init(feature: 2, probability: 0.2)]
    ).toyModel()
  }

  func initial(tied: Bool = false) throws -> SAE {
    try SAE(
      decoder: [[0.7, 0.3, 0.2], [0.2, 0.3, 0.8]], decoderBias: [0, 0, 0],
      encoder: tied ? nil : [[0.6, 0.2, 0.1], [0.1, 0.2, 0.7]])
  }

  func plan(_ data: SAETrainingPlan.Data, seed: UInt64 = 1) -> SAETrainingPlan {
    var p = SAETrainingPlan()
    p.data = data
    p.steps = 300
    p.batch = 4096
    p.learningRate = 0.01
    p.seed = seed
    p.l1 = 0.05
    return p
  }

  func testExactTrainingLowersTheExpectedLossAndKeepsUnitRows() throws {
    let toy = try toy()
    let start = try initial()
    let end = try start.trained(on: toy, plan(.exact))
    let before = start.expectedLoss(toy.patterns!, .mse, l1: 0.05)
    let after = end.expectedLoss(toy.patterns!, .mse, l1: 0.05)
    XCTAssertLessThan(after, 0.5 * before)
    for i in 0..<2 { XCTAssertEqual(end.decoderNorm(i), 1, accuracy: 1e-12) }
    // exact is deterministic and ignores the seed.
    XCTAssertEqual(end, try start.trained(on: toy, plan(.exact, seed: 9)))
  }

  func testExactAndCountsAgreeWithinNoise() throws {
    let toy = try toy()
    let exact = try initial().trained(on: toy, plan(.exact))
    for data in [SAETrainingPlan.Data.counts, .samples] {
      let noisy = try initial().trained(on: toy, plan(data))
      for (a, b) in zip(exact.decoder, noisy.decoder) { XCTAssertEqual(a, b, accuracy: 0.03) }
      for (a, b) in zip(exact.encoder, noisy.encoder) { XCTAssertEqual(a, b, accuracy: 0.03) }
      XCTAssertNotEqual(exact.decoder, noisy.decoder)
    }
  }

  func testSameSeedSameBits() throws {
    let toy = try toy()
    for tied in [false, true] {
      let a = try initial(tied: tied).trained(on: toy, plan(.counts, seed: 3))
      let b = try initial(tied: tied).trained(on: toy, plan(.counts, seed: 3))
      let c = try initial(tied: tied).trained(on: toy, plan(.counts, seed: 4))
      XCTAssertEqual(a, b)
      XCTAssertNotEqual(a, c)
    }
  }

  func testCorrelatedToyTrainsFromSamplesOnly() throws {
    let firing = try CorrelatedFiring(
      probabilities: [0.25, 0.1, 0.1], correlation: [[1, 0, 0.4], [0, 1, 0.3], [0.4, 0.3, 1]])
    let toy = ToyModel(features: ["a", "b", "c"], firing: .correlated(firing))
    XCTAssertThrowsError(try initial().trained(on: toy, plan(.exact)))
    var p = plan(.samples)
    p.steps = 20
    p.batch = 256
    let a = try initial().trained(on: toy, p)
    XCTAssertEqual(a, try initial().trained(on: toy, p))
    XCTAssertNotEqual(a, try initial())
  }
}
