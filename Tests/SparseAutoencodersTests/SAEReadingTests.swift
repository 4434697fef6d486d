import XCTest

@testable import SparseAutoencoders

final class SAEReadingTests: XCTestCase {
  func testCosinesTrackedFeatureAndHedgingMassByHand() throws {
    // Decoder row 0 = (0.8, 0.6, 0) * 2: cos (0.8, 0.6, 0); row 1 = (0, -0.6, 0.8).
    let sae = try SAE(
      decoder: [[1.6, 1.2, 0], [0, -0.6, 0.8]], decoderBias: [0.1, 0.2, 0],
      encoder: [[1, 0, 0], [0, 3, 4]])
    let r = SAEReading(sae)
    XCTAssertEqual(r.decoderCos[0][0], 0.8, accuracy: 1e-15)
    XCTAssertEqual(r.decoderCos[0][1], 0.6, accuracy: 1e-15)
    XCTAssertEqual(r.decoderLatents[0].tracked, 0)
    XCTAssertEqual(r.decoderLatents[0].cosine, 0.8, accuracy: 1e-15)
    XCTAssertEqual(r.decoderLatents[0].offTarget, 0.6, accuracy: 1e-15)
    XCTAssertEqual(r.decoderLatents[0].hedgingMass, 0.36, accuracy: 1e-15)
    XCTAssertEqual(r.decoderLatents[1].tracked, 2)
    XCTAssertEqual(r.decoderLatents[1].offTarget, 0.6, accuracy: 1e-15)
    XCTAssertEqual(r.encoderLatents[0].hedgingMass, 0)
    XCTAssertEqual(r.encoderLatents[1].tracked, 2)
    XCTAssertEqual(r.encoderLatents[1].cosine, 0.8, accuracy: 1e-15)
    XCTAssertEqual(r.decoderBias, [0.1, 0.2, 0])
  }

  func testFeaturesEmbeddedThroughABasis() throws {
    // Features e_0 = (0.6, 0.8), e_1 = (-0.8, 0.6); the row e_0 reads as (1, 0).
    let basis: [[Double]] = [[0.6, 0.8], [-0.8, 0.6]]
    let sae = try SAE(decoder: [[0.6, 0.8]], decoderBias: [-0.8, 0.6])
    let r = SAEReading(sae, basis: basis)
    XCTAssertEqual(r.decoderCos[0][0], 1, accuracy: 1e-15)
    XCTAssertEqual(r.decoderCos[0][1], 0, accuracy: 1e-15)
    XCTAssertEqual(r.encoderCos, r.decoderCos)  // tied
    XCTAssertEqual(r.decoderBias[0], 0, accuracy: 1e-15)
    XCTAssertEqual(r.decoderBias[1], 1, accuracy: 1e-15)
  }
}
