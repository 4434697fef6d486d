import XCTest

@testable import Reports

/// A study's table reads back from RFC 4180 text, and refuses text that is not a table.
final class StudyTableTests: XCTestCase {
  func testReadsQuotedFieldsLineBreaksAndEmptyCells() throws {
    let text =
      "run,sae.latents,seed,status,error,mse\r\n"
      + "0,2,1,ok,,0.5\r\n"
      + "1,2,2,failed,\"diverged, \"\"nan\"\"\nat step 3\",\n"
      + "2,4,1,ok,,0.25"
    let table = try StudyTable(csv: text)
    XCTAssertEqual(table.columns, ["run", "sae.latents", "seed", "status", "error", "mse"])
    XCTAssertEqual(table.rows.count, 3)
    XCTAssertEqual(table.rows[1][4], "diverged, \"nan\"\nat step 3")
    XCTAssertEqual(table.rows[1][5], "")
    XCTAssertEqual(table.rows[2], ["2", "4", "1", "ok", "", "0.25"])
    XCTAssertEqual(table.fields, ["sae.latents"])
    XCTAssertEqual(table.failedCount, 1)
    XCTAssertEqual(table.finishedRows.map { $0[0] }, ["0", "2"])
  }

  func testAFinalLineBreakAddsNoRecord() throws {
    XCTAssertEqual(try StudyTable(csv: "a,b\n1,2\n").rows, [["1", "2"]])
  }

  func testRefusesARecordOfAnotherWidthNamingItsLine() {
    XCTAssertThrowsError(try StudyTable(csv: "a,b\n1,2\n\"x\ny\",2,3\n")) { error in
      XCTAssertEqual("\(error)", "line 3 has 3 fields, the header 2")
    }
  }

  func testRefusesAnUnclosedQuoteAndTextAfterAClosingQuote() {
    XCTAssertThrowsError(try StudyTable(csv: "a,b\n1,\"2\n")) { error in
      XCTAssertEqual("\(error)", "line 2 has a quote that is never closed")
    }
    XCTAssertThrowsError(try StudyTable(csv: "a,b\n1,\"2\"x\n")) { error in
      XCTAssertEqual("\(error)", "line 2 has a character after a closing quote")
    }
    XCTAssertThrowsError(try StudyTable(csv: "")) { error in
      XCTAssertEqual("\(error)", "line 1 has no header row")
    }
  }
}
