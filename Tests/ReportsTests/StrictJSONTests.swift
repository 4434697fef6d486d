import Foundation
import Reports
import XCTest

/// What Foundation's parser accepts and RFC 8259 (or one reading of a file) does not.
final class StrictJSONTests: XCTestCase {
  func data(_ s: String) -> Data { Data(s.utf8) }

  /// Offsets counted by hand; commas inside strings, and between values, are not trailing.
  func testTrailingCommas() {
    XCTAssertEqual(StrictJSON.firstTrailingComma(in: data(#"{"a": 1,}"#)), 7)
    XCTAssertEqual(StrictJSON.firstTrailingComma(in: data("[1, 2 ,\n ]")), 6)
    XCTAssertNil(StrictJSON.firstTrailingComma(in: data(#"{"a,}": [1, 2], "b": "x,]"}"#)))
    XCTAssertNil(StrictJSON.firstTrailingComma(in: data(#"{"a\",}": 1}"#)))
  }

  /// A key twice in one object, named by its dotted path; the same key in two objects is fine.
  func testDuplicateKeys() {
    XCTAssertEqual(StrictJSON.firstDuplicateKey(in: data(#"{"a": {"b": 1, "b": 2}}"#)), "a.b")
    XCTAssertNil(StrictJSON.firstDuplicateKey(in: data(#"{"a": {"b": 1}, "c": {"b": 2}}"#)))
  }
}
