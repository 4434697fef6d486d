import XCTest

import Reports
@testable import LandscapeCLI

final class CSVTextTests: XCTestCase {
  func format(_ x: Double) -> String {
    let text = CSVText()
    text.append(x)
    return String(decoding: text.bytes, as: UTF8.self)
  }

  func testExactDecimalsPrintAsWritten() {
    let cases: [(Double, String)] = [
      (0, "0.0"), (1, "1.0"), (0.25, "0.25"), (0.3, "0.3"), (-0.5, "-0.5"), (0.1, "0.1"),
      (123.5, "123.5"),
      (0.2324081207560018, "0.2324081207560018"), (1e-7, "1.0e-7"), (2.5e20, "2.5e20"),
      (1e-5, "0.00001"),
      (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
    ]
    for (x, s) in cases { XCTAssertEqual(format(x), s, "\(x)") }
  }

  func testSubnormalsPrintAsTheNumbersTheyAre() {
    // 2^-1074 = 4.9406564584124654e-324 (the least positive double), 2^-1060, and the
    // product 1e-158 * 1e-158 that a curve with those magnitudes squares.
    XCTAssertTrue(format(5e-324).hasPrefix("4.94065645841246"), format(5e-324))
    XCTAssertTrue(format(-5e-324).hasSuffix("e-324"), format(-5e-324))
    for x in [
      5e-324, Double(sign: .plus, exponent: -1060, significand: 1), 1e-158 * 1e-158,
      Double.leastNormalMagnitude.nextDown, 3.3e-310,
    ] {
      let text = format(x)
      let back = Double(text)
      XCTAssertNotNil(back, text)
      // The value's own digits, not a rounding to 0 (a subnormal's rounding step is
      // 2^-1074, so only its leading digits are its own).
      XCTAssertEqual(back ?? 0, x, accuracy: 2 * 5e-324, text)
    }
  }

  func testNumbersReadBackWithin1e15Relative() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<200_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let bits = (state >> 12) | 0x3FF0_0000_0000_0000
      let unit = Double(bitPattern: bits) - 1  // [0, 1)
      let scale = Double(sign: .plus, exponent: Int(state % 200) - 100, significand: 1)
      let x = (state & 1 == 0 ? 1 : -1) * unit * scale
      guard x != 0 else { continue }
      let back = Double(format(x))!
      // Half a unit in the 16th digit (5e-16) plus the scaling's rounding.
      XCTAssertLessThanOrEqual(abs(back - x), 1e-15 * abs(x), "\(x) printed as \(format(x))")
    }
  }

  func testIntegersAndBooleans() {
    let text = CSVText()
    text.append(0)
    text.comma()
    text.append(1234)
    text.comma()
    text.append(-56)
    text.comma()
    text.append(true)
    text.newline()
    XCTAssertEqual(String(decoding: text.bytes, as: UTF8.self), "0,1234,-56,true\n")
  }
}
