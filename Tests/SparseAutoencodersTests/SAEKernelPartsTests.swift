import XCTest

@testable import SparseAutoencoders

/// The kernel's parts on their own: its workspace, parameter layout, prefixes and Adam, against
/// values worked by hand.
final class SAEKernelPartsTests: XCTestCase {
  /// 3 flags, 2 Ints, 5 Doubles: each region on a cache line of its own (64 bytes apart, the
  /// first at the allocation's start); every region keeps what is written to it.
  func testWorkspaceRegions() {
    let (workspace, (flags, ints, doubles)) = Workspace.carve { c in
      (c.take(3, of: Bool.self), c.take(2, of: Int.self), c.take(5, of: Double.self))
    }
    withExtendedLifetime(workspace) {
      XCTAssertEqual(Int(bitPattern: flags) % 64, 0)
      XCTAssertEqual(UnsafeRawPointer(flags).distance(to: UnsafeRawPointer(ints)), 64)
      XCTAssertEqual(UnsafeRawPointer(ints).distance(to: UnsafeRawPointer(doubles)), 64)
      flags.initialize(repeating: true, count: 3)
      ints.initialize(repeating: -1, count: 2)
      for c in 0..<5 { doubles[c] = Double(c) / 4 }
      XCTAssertEqual(Array(UnsafeBufferPointer(start: flags, count: 3)), [true, true, true])
      XCTAssertEqual(Array(UnsafeBufferPointer(start: ints, count: 2)), [-1, -1])
      XCTAssertEqual(Array(UnsafeBufferPointer(start: doubles, count: 5)), [0, 0.25, 0.5, 0.75, 1])
    }
  }

  /// k = 2, d = 3. Untied: encoder 0..<6, encoder bias 6..<8, decoder 8..<14, decoder bias
  /// 14..<17. Tied: encoder bias 0..<2, decoder (the encoder too) 2..<8, decoder bias 8..<11.
  func testParameterLayout() throws {
    let rows: [[Double]] = [[1, 2, 3], [4, 5, 6]]
    let untied = try SAE(
      decoder: rows, decoderBias: [7, 8, 9], encoder: [[-1, -2, -3], [-4, -5, -6]],
      encoderBias: [10, 11])
    let tied = try SAE(decoder: rows, decoderBias: [7, 8, 9], encoderBias: [10, 11])
    let (workspace, (u, t)) = Workspace.carve { c in
      (SAEParameterVector(&c, shapeOf: untied), SAEParameterVector(&c, shapeOf: tied))
    }
    withExtendedLifetime(workspace) {
      u.load(untied)
      t.load(tied)
      XCTAssertEqual(u.count, 17)
      XCTAssertEqual(
        Array(UnsafeBufferPointer(start: u.values, count: 17)),
        [-1, -2, -3, -4, -5, -6, 10, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      XCTAssertEqual(t.count, 11)
      XCTAssertEqual(
        Array(UnsafeBufferPointer(start: t.values, count: 11)),
        [10, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      XCTAssertEqual(t.encoder, t.decoder)
      XCTAssertEqual(
        u.trained(encoderBias: true, decoderBias: true), [0..<6, 8..<14, 6..<8, 14..<17])
      XCTAssertEqual(t.trained(encoderBias: false, decoderBias: true), [0..<0, 2..<8, 8..<11])
      XCTAssertEqual(t.trained(encoderBias: true, decoderBias: false), [0..<0, 2..<8, 0..<2])
      var back = tied
      back.decoder = []
      t.store(into: &back)
      XCTAssertEqual(back, tied)
    }
  }

  /// Rows (3, 4) -> (0.6, 0.8) and (0, 0) left alone: finite; a row holding a NaN is not.
  func testNormaliseDecoderRows() throws {
    let sae = try SAE(decoder: [[3, 4], [0, 0]], decoderBias: [0, 0])
    let nan = try SAE(decoder: [[1, .nan], [1, 0]], decoderBias: [0, 0])
    let (workspace, (p, q)) = Workspace.carve { c in
      (SAEParameterVector(&c, shapeOf: sae), SAEParameterVector(&c, shapeOf: nan))
    }
    withExtendedLifetime(workspace) {
      p.load(sae)
      q.load(nan)
      XCTAssertEqual(p.decoderNorm(0), 5)
      XCTAssertTrue(p.normaliseDecoderRows())
      XCTAssertEqual(Array(UnsafeBufferPointer(start: p.decoder, count: 4)), [0.6, 0.8, 0, 0])
      XCTAssertFalse(q.normaliseDecoderRows())
    }
  }

  /// Prefixes (1, 3, 4) of balance 1/2: weights omega = (1/4, 1/2, 1), W = (7/4, 3/2, 1);
  /// latent 0 in block 0, latents 1 and 2 in block 1, latent 3 in block 2.
  func testPrefixBlocks() throws {
    let sae = try SAE(
      decoder: [[1], [1], [1], [1]], decoderBias: [0], prefixes: [1, 3, 4], balance: 0.5)
    let (workspace, blocks) = Workspace.carve { c in SAEPrefixBlocks(&c, shapeOf: sae) }
    withExtendedLifetime(workspace) {
      blocks.fill(sae)
      XCTAssertEqual(blocks.levels, 3)
      XCTAssertEqual(Array(UnsafeBufferPointer(start: blocks.ends, count: 3)), [1, 3, 4])
      XCTAssertEqual(Array(UnsafeBufferPointer(start: blocks.block, count: 4)), [0, 1, 1, 2])
      XCTAssertEqual(Array(UnsafeBufferPointer(start: blocks.weight, count: 3)), [0.25, 0.5, 1])
      XCTAssertEqual(Array(UnsafeBufferPointer(start: blocks.tail, count: 3)), [1.75, 1.5, 1])
    }
  }

  /// beta1 = 1/2, beta2 = 3/4, epsilon = 0, lr = 1/4, index 1 frozen. Step 1, g = 2: m = 1,
  /// v = 1, corrections 1/2 and 1/4, theta -= (1/4) (1 / (1/2)) / sqrt(1 / (1/4)) = 1/4.
  /// Step 2, g = 1: m = 1/2 + 1/2 = 1, v = 3/4 + 1/4 = 1, corrections 3/4 and 7/16,
  /// theta -= (1/4) (4/3) / sqrt(16/7) = sqrt(7) / 12.
  func testAdamByHand() {
    let (workspace, zero) = Workspace.carve { c in AdamMoments(&c, count: 2) }
    var moments = zero
    moments.reset()
    var theta: [Double] = [1, 1]
    moments.step(
      &theta, [2, 2], over: [0..<1], learningRate: 0.25, beta1: 0.5, beta2: 0.75, epsilon: 0)
    XCTAssertEqual(theta, [0.75, 1])
    moments.step(
      &theta, [1, 1], over: [0..<1], learningRate: 0.25, beta1: 0.5, beta2: 0.75, epsilon: 0)
    XCTAssertEqual(theta[0], 0.75 - 7.0.squareRoot() / 12, accuracy: 1e-15)
    XCTAssertEqual(theta[1], 1)
    withExtendedLifetime(workspace) {}
  }
}
