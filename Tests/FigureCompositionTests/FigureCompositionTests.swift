import Landscape
import Plotting
import XCTest

@testable import FigureComposition

/// The figures put the curves where the math does, and every report gets its chart.
final class FigureCompositionTests: XCTestCase {
  /// The mean column of the lowest drawn pixels of a colour, in the plot area.
  func lowestColumn(of color: PlotColor, in raster: Raster) -> Double? {
    let f = raster.frame
    for row in stride(from: Int(f.bottom) - 2, through: Int(f.top) + 2, by: -1) {
      var columns: [Int] = []
      for column in (Int(f.left) + 2)...(Int(f.right) - 2) {
        let c = raster.color(column: column, row: row)
        if abs(Int(c.red) - Int(color.red)) + abs(Int(c.green) - Int(color.green))
          + abs(Int(c.blue) - Int(color.blue)) < 40
        {
          columns.append(column)
        }
      }
      if !columns.isEmpty { return Double(columns.reduce(0, +)) / Double(columns.count) }
    }
    return nil
  }

  func testLossChartPutsTheMSEMinimumAtTStar() throws {
    let c = try LatentCase.hierarchy(p0: 0.1, p01: 0.3)
    var chart = Figures.lossChart(c)
    chart.markers = []
    chart.guides = []
    let raster = try Plotter.rasterize(chart)
    // By hand: the root of 0.1 t^2 - 0.7 t + 0.3 = 0 in [0, 1/2].
    let tStar = (0.7 - (0.49 - 0.12).squareRoot()) / 0.2
    let column = try XCTUnwrap(lowestColumn(of: .darkBlue, in: raster))
    // The MSE is flat near its minimum, so the lowest pixel row spans a few columns
    // around t*; their centre sits within a few pixels of it.
    XCTAssertEqual(column, raster.frame.column(x: tStar), accuracy: 6)
    // L2's global minimum is the merged cusp, t = 1/2 (p01 > p0/sqrt 2).
    let l2 = try XCTUnwrap(lowestColumn(of: .orange, in: raster))
    XCTAssertEqual(l2, raster.frame.column(x: 0.5), accuracy: 3)
  }

  func testPhaseDiagramBoundariesComeFromTheRows() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", from: 0.01, to: 0.5, count: 50),
        SweepAxis(name: "p01", from: 0.01, to: 0.5, count: 200),
      ])
    let map = try Figures.phaseDiagram(
      sweep, rows: sweep.rows(in: 0..<sweep.count, jobs: 2), column: .mseT)
    XCTAssertEqual(map.overlays.count, 3)
    // Each boundary lies within one grid step of its analytic line.
    let step = 0.49 / 199
    for (series, slope) in zip(map.overlays, [0.5, 1 / 2.0.squareRoot(), 1.0]) {
      for (x, y) in zip(series.xs, series.ys) where slope * x < 0.49 {
        XCTAssertEqual(y, slope * x, accuracy: step, "\(series.name) at p0 = \(x)")
      }
    }
  }

  func testFlagMadeTitlesDoNotRepeatThemselves() throws {
    let flags = Figures.lossChart(try LatentCase.hierarchy(p0: 0.3, p01: 0.1)).title
    XCTAssertEqual(flags, "Two-feature hierarchy\np0 = 0.3, p01 = 0.1")
    var c = try LatentCase.hierarchy(p0: 0.2, p01: 0.15)
    c.name = "train-snap-merges"
    c.title = "Snap loss merges: p0 = 0.2, p01 = 0.15"
    XCTAssertEqual(Figures.lossChart(c).title, "Snap loss merges: p0 = 0.2, p01 = 0.15")
    c.title = "Snap loss merges: p0 = 0.2"
    XCTAssertEqual(Figures.lossChart(c).title, "Snap loss merges: p0 = 0.2\np01 = 0.15")
  }

  func testOneAxisSweepIsALineChartOfTheExactMinimumPerListedValue() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", values: [0.1, 0.2, 0.3]),
        SweepAxis(name: "p01", from: 0, to: 0.4, count: 81),
      ])
    XCTAssertTrue(Figures.isLineSweep(sweep))
    let chart = Figures.sweepChart(
      sweep, rows: sweep.rows(in: 0..<sweep.count, jobs: 2), column: .mseT)
    XCTAssertEqual(chart.series.map(\.name), ["p0 = 0.1", "p0 = 0.2", "p0 = 0.3"])
    XCTAssertEqual(chart.xLabel, "p01")
    XCTAssertTrue(chart.bands.isEmpty, "several lines: no shading")
    for (series, p0) in zip(chart.series, [0.1, 0.2, 0.3]) {
      XCTAssertEqual(series.xs.count, 81)
      for (p01, t) in zip(series.xs, series.ys) {
        // By hand: the stable root of p0 t^2 - (p0 + 2 p01) t + p01 = 0.
        let expected = 2 * p01 / ((p0 + 2 * p01) + (p0 * p0 + 4 * p01 * p01).squareRoot())
        XCTAssertEqual(t, expected, accuracy: 1e-9, "p0 = \(p0), p01 = \(p01)")
      }
    }
    // The same lines when the list is the second axis (the grid varies slowest).
    let swapped = try Sweep(base: sweep.base, axes: [sweep.axes[1], sweep.axes[0]])
    let again = Figures.sweepChart(
      swapped, rows: swapped.rows(in: 0..<swapped.count, jobs: 2), column: .mseT)
    XCTAssertEqual(again.series, chart.series)
    let raster = try Plotter.rasterize(chart)
    for style in (0..<3).map(SeriesStyle.cycle) {
      XCTAssertNotNil(lowestColumn(of: style.color, in: raster), "\(style.color)")
    }
  }

  func testSingleLineSweepShadesTheL2Regimes() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0.2, p01: 0),
      axes: [SweepAxis(name: "p01", from: 0.001, to: 0.4, count: 400)])
    let chart = Figures.sweepChart(
      sweep, rows: sweep.rows(in: 0..<sweep.count, jobs: 2), column: .l2T)
    XCTAssertEqual(chart.series.count, 1)
    // By hand: the merged solution is an L2 minimum from p01 = p0/2 = 0.1, the parent stops
    // being one at p01 = p0 = 0.2.
    XCTAssertEqual(
      chart.bands.map(\.label),
      ["L2 minimum: parent", "L2 minima: parent and merged", "L2 minimum: merged"])
    let step = 0.399 / 399
    XCTAssertEqual(chart.bands[0].range.upperBound, 0.1, accuracy: step)
    XCTAssertEqual(chart.bands[1].range.upperBound, 0.2, accuracy: step)
    XCTAssertEqual(chart.bands[2].range.upperBound, 0.4, accuracy: 1e-12)
  }

  func testMinimaCountsAreCategories() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", from: 0.05, to: 0.5, count: 40),
        SweepAxis(name: "p01", from: 0.05, to: 0.5, count: 40),
      ])
    let rows = sweep.rows(in: 0..<sweep.count, jobs: 2)
    let map = try Figures.phaseDiagram(sweep, rows: rows, column: .l2Minima)
    XCTAssertEqual(map.categories?.map(\.value), [1, 2])
    XCTAssertNil(try Figures.phaseDiagram(sweep, rows: rows, column: .mseT).categories)
  }

  func testASweepGetsAHeatMapOnlyOverTwoLongGrids() throws {
    let base = try LatentCase.hierarchy(p0: 0, p01: 0)
    let long = try Sweep(
      base: base,
      axes: [
        SweepAxis(name: "p0", from: 0.05, to: 0.5, count: 9),
        SweepAxis(name: "p01", from: 0.05, to: 0.5, count: 9),
      ])
    let figure = try Figures.sweepFigure(
      long, rows: long.rows(in: 0..<long.count, jobs: 2), column: .mseT)
    XCTAssertTrue(figure is HeatMap, "9 x 9: more than 8 lines")
    let lines = try Sweep(base: base, axes: [long.axes[0], SweepAxis(name: "p01", values: [0.1, 0.2])])
    let chart = try Figures.sweepFigure(
      lines, rows: lines.rows(in: 0..<lines.count, jobs: 2), column: .mseT)
    XCTAssertEqual((chart as? LineChart)?.series.map(\.name), ["p01 = 0.1", "p01 = 0.2"])
  }

  func testLatentCosinesAreTheEncoderTheDecoderWithHedgingAndTheFeaturesRelation() throws {
    let figure = Figures.latentCosines(
      encoder: [[1, 0], [-0.6, 0.8]], decoder: [[0.6, 0.8], [0, 1]],
      features: ["parent", "child"], hedgingMass: [0.25, 0.004],
      relation: .cooccurrence([[0.4, 0.1], [0.1, 0.1]]), title: "Toy")
    XCTAssertEqual(figure.panels.map(\.title), ["Encoder", "Decoder"])
    XCTAssertEqual(figure.panels.map(\.rows), [[[1, 0], [-0.6, 0.8]], [[0.6, 0.8], [0, 1]]])
    XCTAssertEqual(figure.panels.map(\.rowNotes), [[], ["0.25", "0.00"]])
    XCTAssertEqual(figure.reference?.title, "P(i and j fire)")
    XCTAssertEqual(figure.reference?.rows, [[0.4, 0.1], [0.1, 0.1]])
    XCTAssertEqual([figure.rowLabel, figure.columnLabel], ["latent", "feature"])
    XCTAssertEqual(figure.columnNames, ["parent", "child"])
    XCTAssertEqual(
      Figures.relationPanel(.correlation([[1, -0.5], [-0.5, 1]])).title, "Feature correlation")
    XCTAssertFalse(try figure.data(format: .svg, size: nil).isEmpty)
  }
}
