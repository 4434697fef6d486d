import Landscape
import Plotting

/// The heat map of a sweep.
enum SweepFigure {
  static func render(
    sweep: Sweep, rows: [SweepRow?], range: Range<Int>, column: String, to path: String
  ) throws {
    guard range == 0..<sweep.count else {
      throw CaseError(field: "--plot", value: path, reason: "needs the whole grid (drop --shard)")
    }
    let map = try Figures.phaseDiagram(sweep, rows: rows, column: column)
    try Figures.write(map, to: path)
  }
}
