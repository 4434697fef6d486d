import Foundation
import ToyModels
import XCTest

@testable import SparseAutoencoders

final class SAEAbsorptionTests: XCTestCase {
  func pattern(_ w: Double, _ features: [Int]) -> WeightedPattern {
    WeightedPattern(weight: w, active: features.map { ActiveFeature(feature: $0, magnitude: 1) })
  }

  /// Parent 0 with children 1 and 2; the parent's latent has encoder (1, -1, -0.5), bias 0.
  lazy var patterns = [
    pattern(0.25, []), pattern(0.4, [0]), pattern(0.2, [0, 1]), pattern(0.1, [0, 2]),
    pattern(0.05, [0, 1, 2]),
  ]

  func testAbsorptionByHand() throws {
    let sae = try SAE(
      decoder: [[1, 0, 0], [0.6, 0.8, 0], [0, 0, 1]], decoderBias: [0, 0, 0],
      encoder: [[1, -1, -0.5], [0.6, 0.8, 0], [0, 0, 1]])
    let a = sae.absorption(parent: 0, children: [1, 2], patterns: patterns)
    // a_0 = 1 on {0}, 0 on {0,1} (off), 0.5 on {0,2}, -0.5 on {0,1,2} (off).
    // child 1 fires with weight 0.25, all of it with latent 0 off: 1.
    // child 2 fires with weight 0.15, 0.05 of it with latent 0 off: 1/3.
    XCTAssertEqual(a.latent, 0)
    XCTAssertEqual(a.perChild[0], 1, accuracy: 1e-15)
    XCTAssertEqual(a.perChild[1], 1.0 / 3, accuracy: 1e-15)
    XCTAssertEqual(a.mean, 2.0 / 3, accuracy: 1e-15)
    // A child that never fires counts 0.
    XCTAssertEqual(
      sae.absorption(parent: 0, children: [1], patterns: [pattern(1, [0])]).perChild, [0])
  }

  func testTheParentsLatentIsReadFromTheDecoder() throws {
    // No decoder row tracks the parent: the one with the largest |cos| with it (latent 1,
    // cos 0.6) stands for it; its encoder (0, 1, 0) is off only where child 1 does not fire.
    let sae = try SAE(
      decoder: [[0.1, 0, 0.99498743710662], [0.6, 0.8, 0], [0, 0.6, 0.8]], decoderBias: [0, 0, 0],
      encoder: [[0, 0, 1], [0, 1, 0], [0, 0, 1]])
    let a = sae.absorption(parent: 0, children: [1, 2], patterns: patterns)
    XCTAssertEqual(a.latent, 1)
    // child 1: always on with latent 1 -> 0; child 2: off on {0, 2} (0.1 of 0.15).
    XCTAssertEqual(a.perChild[0], 0, accuracy: 1e-15)
    XCTAssertEqual(a.perChild[1], 2.0 / 3, accuracy: 1e-15)
    // Of two latents tracking the parent, the one with the larger |cos|.
    let two = try SAE(
      decoder: [[0.8, 0.6, 0], [-0.9, 0, 0.43588989435406733], [0, 0, 1]],
      decoderBias: [0, 0, 0], encoder: [[1, 0, 0], [1, -1, -1], [0, 0, 1]])
    XCTAssertEqual(two.absorption(parent: 0, children: [1, 2], patterns: patterns).latent, 1)
  }

  func testHierarchyFromPatterns() {
    // Feature 3 fires alone; 4 and 5 always fire together (neither is the other's child).
    let ps = patterns + [pattern(0.01, [3]), pattern(0.01, [3, 4, 5]), pattern(0, [1])]
    let h = Absorption.hierarchy(ps, features: 6)
    XCTAssertEqual(h.map(\.parent), [0, 3])
    XCTAssertEqual(h.map(\.children), [[1, 2], [4, 5]])
    // Without patterns where the parent fires alone, 0 and its only child are inseparable.
    XCTAssertTrue(Absorption.hierarchy([pattern(0.5, [0, 1])], features: 2).isEmpty)
  }

  func testBalanceRoundTripsThroughTheSAEFile() throws {
    let sae = try SAE(
      decoder: [[1, 0], [0, 1]], decoderBias: [0, 0], prefixes: [1, 2], balance: 0.25)
    let file = SAEFile(features: ["a", "b"], sae: sae)
    let text = String(decoding: try file.json(), as: UTF8.self)
    XCTAssertTrue(text.contains(#""balance":0.25"#), text)
    XCTAssertEqual(try SAEFile(json: try file.json()).sae.balance, 0.25)
    // Absent without a balance; refused without prefixes or below 0.
    let plain = SAEFile(
      features: ["a", "b"], sae: try SAE(decoder: [[1, 0]], decoderBias: [0, 0]))
    XCTAssertFalse(String(decoding: try plain.json(), as: UTF8.self).contains("balance"))
    for bad in [#""balance": 0.5"#, #""matryoshka": [1, 2], "balance": -1"#] {
      let s = """
        {"features": ["a", "b"], "tied": true, "activation": "relu", \(bad),
         "decoder": [[1, 0], [0, 1]], "decoder_bias": [0, 0]}
        """
      XCTAssertThrowsError(try SAEFile(json: Data(s.utf8))) { e in
        XCTAssertTrue("\(e)".hasPrefix("balance: "), "\(e)")
      }
    }
  }
}
