import Landscape
import LandscapeFigures
import Plotting
import ToyModels

/// The figure of a sweep: a heat map over two grids, else a line chart.
enum SweepFigure {
  static func render(
    sweep: Sweep, rows: [SweepRow?], range: Range<Int>, column: SweepColumn, to path: String,
    size: PlotSize? = nil
  ) throws {
    guard range == 0..<sweep.count else {
      throw FieldError(flag: "--plot", value: path, reason: "needs the whole grid (drop --shard)")
    }
    if Figures.isLineSweep(sweep) {
      try Figures.write(Figures.sweepChart(sweep, rows: rows, column: column), to: path, size: size)
    } else {
      let map = try Figures.phaseDiagram(sweep, rows: rows, column: column)
      try Figures.write(map, to: path, size: size)
    }
  }
}
