import ToyModels
import XCTest

@testable import SparseAutoencoders

/// The kernel's four-lane loops against sums worked by hand.
final class LanesTests: XCTestCase {
  /// Six values: one block of four lanes and a tail of two; x = (1...6), y = (6...1).
  func testLanesByHand() {
    let x: [Double] = [1, 2, 3, 4, 5, 6]
    var y: [Double] = [6, 5, 4, 3, 2, 1]
    // 6 + 10 + 12 + 12 + 10 + 6.
    XCTAssertEqual(Lanes.dot(x, y, 6), 56)
    XCTAssertEqual(Lanes.dot(x, y, 0), 0)
    Lanes.axpy(2, x, &y, 6)
    XCTAssertEqual(y, [8, 9, 10, 11, 12, 13])
    // x . g with g = (1, 0, 1, 0, 1, 0) is 1 + 3 + 5; y += -1 g.
    let g: [Double] = [1, 0, 1, 0, 1, 0]
    XCTAssertEqual(Lanes.dotAndAxpy(x, g, -1, &y, 6), 9)
    XCTAssertEqual(y, [7, 9, 9, 11, 11, 13])
    // r = y - x = (6, 7, 6, 7, 6, 7), r . r = 3 36 + 3 49.
    var r = [Double](repeating: 0, count: 6)
    XCTAssertEqual(Lanes.difference(y, x, &r, 6), 255)
    XCTAssertEqual(r, [6, 7, 6, 7, 6, 7])
    Lanes.scale(0.5, &r, 5)
    XCTAssertEqual(r, [3, 3.5, 3, 3.5, 3, 7])
    Lanes.copy(x, &r, 5)
    XCTAssertEqual(r, [1, 2, 3, 4, 5, 7])
  }

  /// The lanes' order is not the index order: 1e16 + 1 rounds to 1e16 (ties to even), so in
  /// index order ((1e16 + 1) - 1e16) + 1 = 1, while the lanes add (1e16 + 1) + (-1e16 + 1) = 0.
  func testLanesSumInTheirOwnOrder() {
    let x: [Double] = [1e16, 1, -1e16, 1]
    let ones: [Double] = [1, 1, 1, 1]
    XCTAssertEqual(dot(x, ones), 1)
    XCTAssertEqual(Lanes.dot(x, ones, 4), 0)
  }
}
