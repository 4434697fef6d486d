import XCTest

@testable import SparseAutoencoders

/// The chunk's matrix products against plain loops that sum in the order they promise.
final class MatrixProductsTests: XCTestCase {
  /// Sizes on and off the tiles (1, 3, 4, 5, 16, 19, 20 columns; 1, 3, 64 rows): the same bits
  /// as the plain sums, whatever path (16 lanes, 4 lanes, one entry) an entry took.
  func testProductsSumInTheirOrder() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(Int64(bitPattern: state >> 11) - (1 << 52)) / Double(1 << 50)
    }
    for k in [1, 3, 4, 5, 16, 19, 20] {
      for rows in [1, 3, 64] {
        // H: each row 0 outside a random increasing set of columns, listed with its count.
        var h = [Double](repeating: 0, count: rows * k)
        var listed = [Int](repeating: 0, count: rows * k)
        var counts = [Int](repeating: 0, count: rows)
        for r in 0..<rows {
          for i in 0..<k where next() > 0 {
            h[r * k + i] = next()
            listed[r * k + counts[r]] = i
            counts[r] += 1
          }
        }
        let g = (0..<(k * k)).map { _ in next() }
        var q = [Double](repeating: .nan, count: rows * k)
        MatrixProducts.multiplyListed(
          h, listed: listed, counts: counts, g, into: &q, rows: rows, inner: k, columns: k)
        for r in 0..<rows {
          for j in 0..<k {
            var s = 0.0
            for t in 0..<counts[r] {
              let l = listed[r * k + t]
              s = s + h[r * k + l] * g[l * k + j]
            }
            XCTAssertEqual(
              q[r * k + j].bitPattern, s.bitPattern, "k \(k), rows \(rows): Q \(r) \(j)")
          }
        }
        let hw = (0..<(rows * k)).map { _ in next() }
        let start = (0..<(k * k)).map { _ in next() }
        var gamma = start
        MatrixProducts.addTransposeProductLower(hw, h, into: &gamma, rows: rows, columns: k)
        for i in 0..<k {
          for j in 0...i {
            var s = start[i * k + j]
            for r in 0..<rows { s = s + hw[r * k + i] * h[r * k + j] }
            XCTAssertEqual(
              gamma[i * k + j].bitPattern, s.bitPattern, "k \(k), rows \(rows): Gamma \(i) \(j)")
          }
        }
      }
    }
  }
}
