import Foundation
import Reports
import XCTest

final class ReportJSONTests: XCTestCase {
  private struct Row: Encodable {
    var a: Double
    var b: [Double]
    var c: ReportNumber
    var name: String
  }

  /// A non-finite number is null wherever it stands: a field, a list, a ReportNumber.
  func testNonFiniteNumbersAreNullEverywhere() throws {
    let row = Row(a: .nan, b: [.infinity, 1.5, -.infinity], c: ReportNumber(.nan), name: "x/y")
    XCTAssertEqual(
      try ReportJSON.string(row), #"{"a":null,"b":[null,1.5,null],"c":null,"name":"x/y"}"#)
  }

  /// A report with only finite numbers is written as before: keys sorted, slashes kept, and a
  /// string that looks like null stays a string.
  func testFiniteReportIsUnchanged() throws {
    let row = Row(a: 0.1, b: [2], c: ReportNumber(-0.0), name: "null")
    XCTAssertEqual(try ReportJSON.string(row), #"{"a":0.1,"b":[2],"c":0,"name":"null"}"#)
  }

  /// `data` is the bytes of `string`.
  func testDataIsTheStringsBytes() throws {
    let row = Row(a: .nan, b: [], c: ReportNumber(3), name: "é")
    XCTAssertEqual(try ReportJSON.data(row), Data(try ReportJSON.string(row).utf8))
  }
}
