import Landscape
import Plotting
import XCTest

@testable import LandscapeCLI

/// The figures `landscape` draws put the curves where the math does.
final class FigureTests: XCTestCase {
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
    let c = try Case.hierarchy(p0: 0.1, p01: 0.3)
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
      base: try Case.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", from: 0.01, to: 0.5, count: 50),
        SweepAxis(name: "p01", from: 0.01, to: 0.5, count: 200),
      ])
    let map = try Figures.phaseDiagram(
      sweep, rows: sweep.rows(in: 0..<sweep.count, jobs: 2), column: "mse_t")
    XCTAssertEqual(map.overlays.count, 3)
    // Each boundary lies within one grid step of its analytic line.
    let step = 0.49 / 199
    for (series, slope) in zip(map.overlays, [0.5, 1 / 2.0.squareRoot(), 1.0]) {
      for (x, y) in zip(series.xs, series.ys) where slope * x < 0.49 {
        XCTAssertEqual(y, slope * x, accuracy: step, "\(series.name) at p0 = \(x)")
      }
    }
  }
}
