import XCTest

@testable import ToyModels

/// The shared dot product against sums worked by hand.
final class DotTests: XCTestCase {
  /// 1 4 + 2 5 + 3 6 = 32.
  func testDotByHand() {
    XCTAssertEqual(dot([1, 2, 3], [4, 5, 6]), 32)
    XCTAssertEqual(dot([], []), 0)
  }
}
