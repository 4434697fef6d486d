import CaseFiles
import Foundation
import SparseAutoencoders
@testable import Studies
import ToyModels
import XCTest

/// `SAEPath`: the losses along a line (or slice) between SAEs, checked without the command line.
final class SAEPathTests: XCTestCase {
  func shippedCase(_ name: String) throws -> SAECase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    guard case .sae(let c) = try CaseDocument.load(contentsOf: root.appendingPathComponent("cases/\(name).json").path)
    else { throw XCTSkip("\(name) is not an SAE case") }
    return c
  }

  /// The balance Matryoshka toy's SAE at the true features (exact toy, prefixes [1, 4]).
  func matryoshka() throws -> (SAECase, SAE) {
    let c = try shippedCase("sae-matryoshka-balance")
    return (c, try XCTUnwrap(c.trueFeaturesStart(dimensions: 4, basis: nil)))
  }

  /// From an SAE to a copy with its latents permuted (within the Matryoshka block 1..<4) the
  /// path is flat: matching undoes the permutation, every point is the same SAE.
  func testPathToAPermutedCopyIsFlat() throws {
    let (c, a) = try matryoshka()
    let b = a.permutingLatents([0, 3, 1, 2])
    let r = try SAEPath(saeCase: c, from: .sae(a, label: "a"), to: .sae(b, label: "b"), points: 9).run()
    XCTAssertEqual(r.matchings, [[0, 2, 3, 1]])
    XCTAssertEqual(r.points.count, 9)
    let first = r.points[0]
    XCTAssertEqual(r.points.map(\.s), (0..<9).map { Double($0) / 8 })
    for p in r.points {
      XCTAssertEqual(p.loss, first.loss, accuracy: 1e-14)
      XCTAssertEqual(p.mse, first.mse, accuracy: 1e-14)
      XCTAssertEqual(p.l2, first.l2, accuracy: 1e-14)
    }
    XCTAssertLessThanOrEqual(try XCTUnwrap(r.barrier), 1e-14)
  }

  /// The ends are the SAEs themselves: their mse and l2 are `metrics`' to the bit, their
  /// loss the kernel's exact expected loss (`expectedLoss`).
  func testEndsAreTheGivenSAEs() throws {
    let (c, a) = try matryoshka()
    var b = a
    b.encoderBias = [-0.05, -0.1, -0.02, -0.2]
    b.decoderBias = [0.01, 0, 0.02, 0]
    let r = try SAEPath(saeCase: c, from: .sae(a, label: "a"), to: .sae(b, label: "b"), points: 3).run()
    for (p, sae) in [(r.points[0], a), (r.points[2], b)] {
      let m = try sae.metrics(on: c.toy)
      XCTAssertEqual(p.mse, m.mse)
      XCTAssertEqual(p.l2, m.l2)
      XCTAssertEqual(p.loss, sae.expectedLoss(c.toy.patterns!, .mse, l1: 0.03))
    }
    // The middle: encoder bias and decoder bias the means (decoders equal, so unchanged).
    var mid = a
    mid.encoderBias = zip(a.encoderBias, b.encoderBias).map { 0.5 * $0 + 0.5 * $1 }
    mid.decoderBias = zip(a.decoderBias, b.decoderBias).map { 0.5 * $0 + 0.5 * $1 }
    XCTAssertEqual(r.points[1].loss, mid.expectedLoss(c.toy.patterns!, .mse, l1: 0.03), accuracy: 1e-14)
  }

  /// `truth` is the true-features SAE restarts report: its loss is the same number.
  func testTruthIsTheRestartsTrueFeaturesSAE() throws {
    let (c, a) = try matryoshka()
    let r = try SAEPath(saeCase: c, from: .truth, to: .sae(a, label: "a"), points: 2).run()
    let restarts = try SAERestarts(saeCase: c, restarts: 1).run()
    XCTAssertEqual(r.ends, ["truth", "a"])
    XCTAssertEqual(r.points[0].loss, try XCTUnwrap(restarts.trueFeatures).loss, accuracy: 1e-12)
    // The optimised encoder does better than the start's (encoder = decoder, biases 0).
    XCTAssertLessThan(r.points[0].loss, r.points[1].loss)
  }

  /// A correlated toy: every point averages over one fixed set of draws, so two runs agree
  /// to the bit and the ends' mse and l2 are `sae-loss`'s estimate with the same samples.
  func testSampledToyUsesOneFixedSampleSet() throws {
    let c = try shippedCase("sae-correlated-10-standard")
    let a = try XCTUnwrap(c.trueFeaturesStart(dimensions: 20, basis: nil))
    let path = SAEPath(saeCase: c, from: .sae(a, label: "start"), to: .truth, points: 3, samples: 3000, seed: 5)
    let r = try path.run()
    XCTAssertEqual(r.samples, 3000)
    XCTAssertEqual(try path.run().points, r.points)
    let m = try a.metrics(on: c.toy, samples: 3000, seed: 5)
    XCTAssertEqual(r.points[0].mse, m.mse)
    XCTAssertEqual(r.points[0].l2, m.l2)
    // Plain relu SAE, unit decoder rows: loss = mse + l1 sparsity (rounding aside).
    XCTAssertEqual(r.points[0].loss, m.mse + 0.01 * m.sparsity, accuracy: 1e-12)
    XCTAssertTrue(r.text.contains("estimated from 3000 samples"), r.text)
  }

  /// A slice: N x N points, s fastest; its corners are the three SAEs.
  func testSliceCorners() throws {
    let (c, a) = try matryoshka()
    var b = a
    b.encoderBias = [-0.05, -0.1, -0.02, -0.2]
    let r = try SAEPath(saeCase: c, from: .sae(a, label: "a"), to: .sae(b, label: "b"), via: .truth, points: 3).run()
    XCTAssertEqual(r.points.count, 9)
    XCTAssertEqual(r.points.map(\.s), [0, 0.5, 1, 0, 0.5, 1, 0, 0.5, 1])
    XCTAssertEqual(r.points.map(\.u), [0, 0, 0, 0.5, 0.5, 0.5, 1, 1, 1])
    XCTAssertEqual(r.points[2].loss, b.expectedLoss(c.toy.patterns!, .mse, l1: 0.03))
    XCTAssertNil(r.barrier)
    XCTAssertTrue(r.csv.hasPrefix("s,u,mse,l2,loss\n0.0,0.0,"), r.csv)
  }

  /// Bad input: one line naming the flag.
  func testErrors() throws {
    let (c, a) = try matryoshka()
    func message(_ path: SAEPath) -> String {
      do {
        _ = try path.run()
        return "no error"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(
      message(SAEPath(saeCase: c, from: .truth, to: .sae(a, label: "a"), points: 1)),
      "--points: 1 is not in 2...10001")
    XCTAssertEqual(
      message(SAEPath(saeCase: c, from: .truth, to: .sae(a, label: "a"), via: .truth, points: 202)),
      "--points: 202 is not in 2...201 (per axis with --via)")
    let three = try SAE(
      decoder: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], decoderBias: [0, 0, 0, 0],
      encoder: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    XCTAssertEqual(
      message(SAEPath(saeCase: c, from: .sae(a, label: "a"), to: .sae(three, label: "b"))),
      "--to: has 3 latents, the case 4: the SAEs of a path must have the case's shape")
    var plain = a
    plain.prefixes = [4]
    XCTAssertTrue(
      message(SAEPath(saeCase: c, from: .sae(plain, label: "a"), to: .truth)).hasPrefix("--from: has prefixes [4], the case [1, 4]"))
    var wide = c
    wide.architecture.latents = 5
    wide.architecture.initialFeatures = nil
    XCTAssertEqual(
      message(SAEPath(saeCase: wide, from: .truth, to: .truth)),
      "--from: truth needs a true feature per latent: the case has 4 features for 5 latents")
  }
}
