import Landscape
import Plotting
import XCTest

@testable import LandscapeCLI

/// The options that shape a figure: sweep axes and sizes.
final class FigureOptionTests: XCTestCase {
  func testSweepAxesTakeAListOfValues() throws {
    let spec = try XCTUnwrap(SweepSpec(argument: "0.1,0.2,0.3"))
    XCTAssertNil(spec.fixed)
    XCTAssertEqual(
      try spec.axis(named: "p0", field: "--p0"), SweepAxis(name: "p0", values: [0.1, 0.2, 0.3]))
    XCTAssertEqual(SweepSpec(argument: "0.25")?.fixed, 0.25)
    XCTAssertEqual(
      try SweepSpec(argument: "0:0.5:3")?.axis(named: "p01", field: "--p01"),
      SweepAxis(name: "p01", from: 0, to: 0.5, count: 3))
    // Not a number, a grid or a list: the argument parser refuses it.
    for bad in ["0.1,x", "0.1,,0.2", "0:1", "a:b:3", "0:1:2.5"] {
      XCTAssertNil(SweepSpec(argument: bad), bad)
    }
    // Probabilities outside [0, 1] and counts out of range: named with the flag.
    for (bad, reason) in [
      ("0.1,1.5", "has values outside [0, 1]"), ("0:2:3", "has ends outside [0, 1]"),
      ("0:1:0", "has a count outside 1...1000000"),
    ] {
      XCTAssertThrowsError(try SweepSpec(argument: bad)?.axis(named: "p0", field: "--p0"), bad) {
        XCTAssertEqual("\($0)", "--p0: \"\(bad)\" \(reason)")
      }
    }
  }

  func testSizesInInchesPointsAndPresets() throws {
    func parse(_ s: String, _ path: String) throws -> PlotSize? {
      try FigureSize(argument: s)?.plotSize(for: path)
    }
    XCTAssertEqual(try parse("3.25inx2.2in", "f.svg"), PlotSize(width: 234, height: 158))
    XCTAssertEqual(try parse("column", "f.pdf"), PlotSize(width: 234, height: 158))
    XCTAssertEqual(try parse("234ptx158pt", "f.svg"), PlotSize(width: 234, height: 158))
    XCTAssertEqual(
      try parse("3.25inx2.2in", "f.png"), PlotSize(width: 975, height: 660, density: 300 / 72))
    XCTAssertEqual(try parse("slide", "f.svg"), PlotSize(width: 720, height: 405))
    XCTAssertEqual(try parse("1200x800", "f.svg"), PlotSize(width: 1200, height: 800))
    // Not a size at all: the argument parser refuses it, naming --size.
    for bad in ["3inx2", "3cmx2cm", "column2", "-3inx2in", "3in", "1200x"] {
      XCTAssertNil(FigureSize(argument: bad), bad)
    }
    // A size whose sides are out of range for the format.
    for (bad, path) in [("50x50", "f.svg"), ("30inx20in", "f.png"), ("9000x100", "f.pdf")] {
      XCTAssertThrowsError(try parse(bad, path), bad) { error in
        XCTAssertTrue("\(error)".hasPrefix("--size: \"\(bad)\" is "), "\(error)")
      }
    }
    XCTAssertEqual(try parse("30inx20in", "f.pdf"), PlotSize(width: 2160, height: 1440))
  }
}
