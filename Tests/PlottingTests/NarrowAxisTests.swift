import XCTest

@testable import Plotting

/// Axes narrower than their ticks can tell apart (issue 21): refused when a figure sets
/// them, widened when they come from flat data, so PLplot's tick loop always advances.
final class NarrowAxisTests: XCTestCase {
  private func chart(xs: [Double], ys: [Double]) -> LineChart {
    LineChart(title: "", xLabel: "x", leftLabel: "y", series: [Series(name: "", xs: xs, ys: ys)])
  }

  func testTheNarrowestSpanIsRelativeAndNormal() {
    XCTAssertEqual(Ticks.minimumSpan(0.5, 2), 2e-9)
    XCTAssertEqual(Ticks.minimumSpan(-4, 1), 4e-9)
    XCTAssertEqual(Ticks.minimumSpan(0, 5e-324), 1e-290)
    XCTAssertTrue(Ticks.canLabel(0.5...0.500000001))
    XCTAssertFalse(Ticks.canLabel(0.5...0.5.nextUp))
    XCTAssertFalse(Ticks.canLabel(0...5e-324))
    XCTAssertFalse(Ticks.canLabel(-1.7e308...1.7e308), "the span overflows")
  }

  func testFlatDataGetTenPercentOrOne() {
    // One ulp apart at 0.5 is flat: 0.05 each side, as for equal values.
    let r = paddedRange([0.5, 0.5.nextUp], fraction: 0.06)
    XCTAssertEqual(r.lowerBound, 0.5 - 0.05)
    XCTAssertEqual(r.upperBound, 0.5.nextUp + 0.05)
    XCTAssertEqual(paddedRange([2, 2], fraction: 0.06), 1.8...2.2)
    // Subnormal (and zero) data: 10% is still too narrow, so 1 each side.
    XCTAssertEqual(paddedRange([1e-317, 4e-317], fraction: 0.06), -1...1)
    XCTAssertEqual(paddedRange([0, 0], fraction: 0.06), -1...1)
    // Data an axis can label keep the padding by fraction.
    XCTAssertEqual(paddedRange([0, 1], fraction: 0.5), -0.5...1.5)
  }

  func testNarrowDataDrawAndNarrowRangesAreRefused() throws {
    // These hung PLplot (one ulp) or trapped in Ticks (subnormal): now they draw.
    for (xs, ys) in [([0.5, 0.5.nextUp], [1.0, 2.0]), ([0, 5e-324], [1e-317, 3e-317])] {
      let bytes = try Plotter.data(chart(xs: xs, ys: ys), format: .png)
      XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }
    var given = chart(xs: [0.5, 0.6], ys: [1, 2])
    given.xRange = 0.5...0.5.nextUp
    XCTAssertThrowsError(try Plotter.data(given, format: .png)) { error in
      XCTAssertEqual(
        "\(error)",
        "xRange: 0.5...0.5000000000000001 is narrower than an axis can label "
          + "(its span must be at least 1e-9 of its largest end, and 1e-290)")
    }
    let map = HeatMap(
      title: "", xLabel: "x", yLabel: "y", xs: [0.5, 0.5.nextUp], ys: [0, 1],
      values: [0, 1, 2, 3], colorBarLabel: "v")
    XCTAssertThrowsError(try Plotter.data(map, format: .png)) { error in
      XCTAssertTrue("\(error)".hasPrefix("xs (cell edges): "), "\(error)")
    }
    XCTAssertThrowsError(try Plotter.data(chart(xs: [0, 1], ys: [0, 1e301]), format: .png)) {
      XCTAssertEqual("\($0)", "series[0].ys[1]: 1e+301 is beyond +-1e300 (too large to draw)")
    }
  }
}
