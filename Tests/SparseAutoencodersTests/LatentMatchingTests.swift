import SparseAutoencoders
import ToyModels
import XCTest

/// The assignment behind `landscape path`'s matching, and the SAEs a path is made of.
final class LatentMatchingTests: XCTestCase {
  /// A deterministic stream of numbers in [0, 1) (an LCG: Knuth's MMIX constants).
  struct Stream {
    var state: UInt64
    mutating func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
  }

  /// Every permutation of 0..<k (Heap's algorithm).
  func permutations(_ k: Int) -> [[Int]] {
    var a = Array(0..<k)
    var out = [a]
    var c = [Int](repeating: 0, count: k)
    var i = 0
    while i < k {
      if c[i] < i {
        if i % 2 == 0 { a.swapAt(0, i) } else { a.swapAt(c[i], i) }
        out.append(a)
        c[i] += 1
        i = 0
      } else {
        c[i] = 0
        i += 1
      }
    }
    return out
  }

  func total(_ cost: [[Double]], _ p: [Int]) -> Double {
    p.enumerated().reduce(0) { $0 + cost[$1.0][$1.1] }
  }

  /// On random matrices (continuous costs, and small integers with many ties), k = 1...6:
  /// the assignment is a permutation whose cost is the least over all k! of them.
  func testAssignmentAgainstBruteForce() {
    var stream = Stream(state: 7)
    for k in 1...6 {
      let all = permutations(k)
      XCTAssertEqual(Set(all).count, (1...k).reduce(1, *))
      for trial in 0..<40 {
        let cost = (0..<k).map { _ in
          (0..<k).map { _ in trial % 2 == 0 ? stream.next() * 2 - 1 : Double(Int(stream.next() * 4)) }
        }
        let p = minimumCostAssignment(cost)
        XCTAssertEqual(p.sorted(), Array(0..<k))
        let best = all.map { total(cost, $0) }.min()!
        XCTAssertEqual(total(cost, p), best, accuracy: 1e-12, "k \(k), trial \(trial)")
      }
    }
    XCTAssertEqual(minimumCostAssignment([]), [])
  }

  /// A 3 x 3 case by hand: rows prefer columns 2, 0, 1 (cost 0 each, every other 1).
  func testAssignmentByHand() {
    XCTAssertEqual(minimumCostAssignment([[1, 1, 0], [0, 1, 1], [1, 0, 1]]), [2, 0, 1])
  }

  /// An untied SAE with 4 latents in 3 dimensions, rows not parallel.
  func sae(prefixes: [Int]? = nil) throws -> SAE {
    try SAE(
      decoder: [[1, 0, 0], [0.6, 0.8, 0], [0, 0, 1], [0, -0.8, 0.6]], decoderBias: [0.1, 0, -0.1],
      encoder: [[0.9, 0.1, 0], [0.5, 0.7, 0.1], [0, 0.2, 0.8], [0.1, -0.7, 0.5]],
      encoderBias: [-0.1, -0.2, -0.3, -0.4], prefixes: prefixes)
  }

  /// Matching finds a permuted copy, and undoing it gives the SAE back; latent 3 negated
  /// still matches by |cos| (no sign is flipped).
  func testMatchingFindsAPermutedCopy() throws {
    let a = try sae()
    let p = [2, 0, 3, 1]
    let b = a.permutingLatents(p)
    XCTAssertEqual(b.decoderRow(0), a.decoderRow(2))
    XCTAssertEqual(b.encoderBias, [-0.3, -0.1, -0.4, -0.2])
    // Latent i of a is latent q[i] of b: p[q[i]] = i.
    let q = a.matchingLatents(of: b)
    XCTAssertEqual(q, [1, 3, 0, 2])
    XCTAssertEqual(b.permutingLatents(q), a)
    var negated = b
    for c in 0..<3 { negated.decoder[2 * 3 + c] = -negated.decoder[2 * 3 + c] }
    XCTAssertEqual(a.matchingLatents(of: negated), q)
  }

  /// With Matryoshka prefixes [2, 4] latents match only within their block: swapping the
  /// blocks' contents cannot be undone across them.
  func testMatchingStaysWithinMatryoshkaBlocks() throws {
    let a = try sae(prefixes: [2, 4])
    let b = a.permutingLatents([2, 3, 0, 1])
    let q = a.matchingLatents(of: b)
    XCTAssertTrue(q[0] < 2 && q[1] < 2 && q[2] >= 2 && q[3] >= 2, "\(q)")
    let c = a.permutingLatents([1, 0, 3, 2])
    XCTAssertEqual(a.matchingLatents(of: c), [1, 0, 3, 2])
  }

  /// The combination by hand: weights (1/2, 1/2) of rows (1, 0, 0) and (0, 1, 0) give
  /// (1, 1, 0)/sqrt 2; encoders and biases are the means; one-hot weights give the SAE.
  func testCombination() throws {
    let a = try SAE(decoder: [[1, 0, 0]], decoderBias: [0, 0, 2], encoder: [[1, 0, 0]], encoderBias: [-1])
    let b = try SAE(decoder: [[0, 1, 0]], decoderBias: [0, 2, 0], encoder: [[0, 3, 0]], encoderBias: [1])
    let m = SAE.combination([a, b], weights: [0.5, 0.5])
    let r = 1 / 2.0.squareRoot()
    XCTAssertEqual(m.decoder[0], r, accuracy: 1e-15)
    XCTAssertEqual(m.decoder[1], r, accuracy: 1e-15)
    XCTAssertEqual(m.decoder[2], 0)
    XCTAssertEqual(m.encoder, [0.5, 1.5, 0])
    XCTAssertEqual(m.encoderBias, [0])
    XCTAssertEqual(m.decoderBias, [0, 1, 1])
    XCTAssertEqual(SAE.combination([a, b], weights: [1, 0]), a)
    // An affine weight beyond the segment: 2a - b.
    let e = SAE.combination([a, b], weights: [2, -1])
    XCTAssertEqual(e.encoder, [2, -3, 0])
    XCTAssertEqual(e.decoder[0], 2 / 5.0.squareRoot(), accuracy: 1e-15)
  }
}
