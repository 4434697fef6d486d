import XCTest

@testable import ToyModels

final class FeatureEmbeddingTests: XCTestCase {
  func testEmbeddingIsOrthonormalAndSeeded() {
    let e = FeatureEmbedding(features: 4, dimension: 9, seed: 42)
    XCTAssertEqual(e.basis.count, 4)
    for i in 0..<4 {
      XCTAssertEqual(e.basis[i].count, 9)
      for j in 0..<4 {
        let dot = zip(e.basis[i], e.basis[j]).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-14)
      }
    }
    let v = [0.5, -1, 0, 2.0]
    for (a, b) in zip(e.project(e.embed(v)), v) { XCTAssertEqual(a, b, accuracy: 1e-14) }
    XCTAssertEqual(e, FeatureEmbedding(features: 4, dimension: 9, seed: 42))
    XCTAssertNotEqual(e, FeatureEmbedding(features: 4, dimension: 9, seed: 43))
  }

  func testBasisIsDrawnFirstFromTheStream() {
    let stream = RandomStream(seed: 8)
    let e = FeatureEmbedding(features: 2, dimension: 3, stream: stream)
    XCTAssertEqual(e, FeatureEmbedding(features: 2, dimension: 3, seed: 8))
    // Gram-Schmidt on the first two gaussian columns: the first is the first draw normalised.
    let check = RandomStream(seed: 8)
    let v = (0..<3).map { _ in check.gaussian() }
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    for c in 0..<3 { XCTAssertEqual(e.basis[0][c], v[c] / norm, accuracy: 1e-15) }
  }
}
