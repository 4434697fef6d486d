import CaseFiles
import Landscape
import XCTest

final class CaseParametersTests: XCTestCase {
  func testTextValuesParseAsTheFlagsDoAndErrorsNameTheFlag() throws {
    var p = CaseParameters()
    XCTAssertTrue(try p.set("p0", to: "0.3"))
    XCTAssertTrue(try p.set("t-max", to: "0.75"))
    XCTAssertTrue(try p.set("bias", to: "centered"))
    XCTAssertFalse(try p.set("points", to: "3"))
    XCTAssertEqual(p, CaseParameters(p0: 0.3, bias: .named(.centered), tMax: 0.75))
    XCTAssertThrowsError(try p.set("p01", to: "abc")) {
      XCTAssertEqual("\($0)", "--p01: \"abc\" is not a number")
    }
    XCTAssertThrowsError(try p.set("l1", to: "inf")) {
      XCTAssertEqual("\($0)", "--l1: \"inf\" is not a number")
    }
    XCTAssertThrowsError(try p.set("bias", to: "sideways")) {
      XCTAssertEqual("\($0)", "--bias: \"sideways\" is not none, optimal, centered or FEATURE=B,...")
    }
    XCTAssertThrowsError(try CaseParameters(p0: 0.3).hierarchy()) {
      XCTAssertEqual("\($0)", "--p01: is missing")
    }
  }

  func testHierarchyErrorsNameTheFlags() {
    XCTAssertThrowsError(try CaseParameters(p0: 0.3, p01: 0.9).hierarchy()) {
      XCTAssertEqual("\($0)", "--p0 + --p01 + --p1: probabilities summing to 1.2 exceed 1")
    }
    XCTAssertThrowsError(try CaseParameters(p0: 1.5, p01: 0.1).hierarchy()) {
      XCTAssertTrue("\($0)".hasPrefix("--p0: 1.5 "), "\($0)")
    }
  }

  /// Overrides on a case file: the named patterns' probabilities, penalty and t range; the
  /// magnitudes belong to the file.
  func testOverridesOnACaseFile() throws {
    let file = try Case.hierarchy(p0: 0.2, p01: 0.1, p1: 0.05)
    let c = try CaseParameters(p01: 0.25, l1: 0.01, tMin: -1).applied(to: file)
    XCTAssertEqual(c.patterns.map(\.probability), [0.2, 0.25, 0.05])
    XCTAssertEqual(c.penalty.coefficient, 0.01)
    XCTAssertEqual(c.path.tMin, -1)
    XCTAssertThrowsError(try CaseParameters(p01: 0.8).applied(to: file)) {
      XCTAssertEqual("\($0)", "--p0 + --p01 + --p1: probabilities summing to 1.05 exceed 1")
    }
    let two = try Case.hierarchy(p0: 0.2, p01: 0.1)
    XCTAssertThrowsError(try CaseParameters(p1: 0.1).applied(to: two)) {
      XCTAssertEqual("\($0)", "--p1: is not a pattern of hierarchy (patterns: p0, p01)")
    }
    XCTAssertThrowsError(try CaseParameters(parentMagnitude: 2).applied(to: two)) {
      XCTAssertTrue("\($0)".hasPrefix("--parent-magnitude: applies to the hierarchy shorthand"))
    }
  }
}
