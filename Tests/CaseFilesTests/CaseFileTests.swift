import Foundation
import Landscape
import ToyModels
import XCTest

@testable import CaseFiles

final class CaseFileTests: XCTestCase {
  func parse(_ json: String) throws -> LatentCase {
    try LatentCase(json: Data(json.utf8), defaultName: "t")
  }

  func expectError(
    _ json: String, field: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try parse(json), file: file, line: line) { error in
      guard let e = error as? FieldError else { return XCTFail("\(error)", file: file, line: line) }
      XCTAssertEqual(e.field, field, "\(e)", file: file, line: line)
    }
  }

  func testMinimalCaseGetsDefaults() throws {
    let c = try parse(
      #"{"features": ["parent", "child"], "patterns": [{"name": "p0", "probability": 0.3, "fires": {"parent": 1}}]}"#
    )
    XCTAssertEqual(c.name, "t")
    XCTAssertEqual(c.path.from, [1, 0])
    XCTAssertEqual(c.path.to, [0, 1])
    XCTAssertEqual(c.path.tMin, 0)
    XCTAssertEqual(c.path.tMax, 1)
    XCTAssertEqual(c.bias, .none)
    XCTAssertEqual(c.penalty, .none)
    XCTAssertEqual(c.patterns[0].magnitudes, [1, 0])
  }

  func testBadFieldsAreNamed() {
    let f = #""features": ["parent", "child"]"#
    expectError(#"{"patterns": []}"#, field: "features")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": -0.2, \"fires\": {\"parent\": 1}}]}",
      field: "patterns[0].probability")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": true, \"fires\": {\"parent\": 1}}]}",
      field: "patterns[0].probability")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": 0.2, \"fires\": {\"uncle\": 1}}]}",
      field: "patterns[0].fires.uncle")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": 0.6, \"fires\": {\"parent\": 1}}, {\"probability\": 0.6, \"fires\": {\"child\": 1}}]}",
      field: "patterns")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": 0.2, \"fires\": {\"parent\": 1}}], \"path\": {\"from\": {\"parent\": 1}, \"to\": {\"parent\": -2}}}",
      field: "path")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": 0.2, \"fires\": {\"parent\": 1}}], \"path\": {\"t\": [1, 1]}}",
      field: "path.t")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": 0.2, \"fires\": {\"parent\": 1}}], \"bias\": \"maybe\"}",
      field: "bias")
    expectError(
      "{\(f), \"patterns\": [{\"probability\": 0.2, \"fires\": {\"parent\": 1}}], \"colour\": 1}",
      field: "colour")
    expectError(
      "{\"features\": [\"a\", \"a\"], \"patterns\": [{\"probability\": 0.2, \"fires\": {\"a\": 1}}]}",
      field: "features[1]")
    expectError("[1, 2]", field: "case")
    expectError("{", field: "json")
  }

  /// The library names the field; the command line's flag table turns it into the flag.
  func testHierarchyShorthandNamesFields() {
    XCTAssertThrowsError(try LatentCase.hierarchy(p0: .nan, p01: 0.1)) { error in
      XCTAssertEqual((error as? FieldError)?.field, "patterns[0].probability")
    }
    XCTAssertThrowsError(try LatentCase.hierarchy(p0: 0.7, p01: 0.4)) { error in
      XCTAssertEqual((error as? FieldError)?.field, "patterns")
    }
  }
}

final class ExactNumberTests: XCTestCase {
  func testSeventeenDigitProbabilitiesAreReadExactly() throws {
    // JSONSerialization on Linux reads 0.026895109798822505 as 0.026895109798822515.
    let c = try LatentCase(
      json: Data(
        """
        {"features": ["parent", "child"], "patterns": [
          {"name": "p0", "probability": 0.026895109798822505, "fires": {"parent": 1}},
          {"name": "p01", "probability": 0.05, "fires": {"parent": 1, "child": 1}}]}
        """.utf8))
    XCTAssertEqual(c.patterns[0].probability, 0.026895109798822505)
    XCTAssertEqual(c.patterns[1].probability, 0.05)
  }
}
