import Plotting
import SparseAutoencoders
import XCTest

@testable import FigureComposition

/// The path figures: a line chart with the ends dotted and a barrier marked only when there
/// is one; a slice's heat map laid out as the points are.
final class PathFigureTests: XCTestCase {
  func line(_ losses: [Double]) -> SAEPathReport {
    let n = losses.count
    return SAEPathReport(
      name: "toy", ends: ["truth", "b.json"], reconstruction: .mse, l1: 0.01, samples: nil,
      seed: nil, matchings: [[0]], matchedCosines: [[1]],
      points: losses.enumerated().map { i, l in
        .init(s: Double(i) / Double(n - 1), u: nil, mse: l - 0.01, l2: 2 * l, loss: l)
      })
  }

  /// Losses 1, 1.5, 1.25: the highest point 1.5 at t = 1/2, a barrier 0.25 above the higher end.
  func testBarrierIsMarkedOnlyWhenThere() throws {
    let r = line([1, 1.5, 1.25])
    XCTAssertEqual(r.barrier, 0.25)
    let chart = Figures.pathChart(r, title: "Toy")
    let top = try XCTUnwrap(chart.series.first { $0.name.hasPrefix("highest point") })
    XCTAssertEqual(top.xs, [0.5])
    XCTAssertEqual(top.ys, [1.5])
    let ends = try XCTUnwrap(chart.series.first { $0.name.isEmpty })
    XCTAssertEqual(ends.xs, [0, 1])
    XCTAssertEqual(ends.ys, [1, 1.25])
    XCTAssertEqual(chart.guides.map(\.label), ["truth", "b.json"])
    let falling = Figures.pathChart(line([1.5, 1.25, 1]), title: "Toy")
    XCTAssertFalse(falling.series.contains { $0.name.hasPrefix("highest point") })
    XCTAssertEqual(line([1.5, 1.25, 1]).barrier, 0)
  }

  /// A 2 x 2 slice: xs are s, ys are u, values row by row (u slowest), as the points.
  func testSliceLayout() {
    let points = [(0.0, 0.0, 1.0), (1, 0, 2), (0, 1, 3), (1, 1, 4)].map {
      SAEPathReport.Point(s: $0.0, u: $0.1, mse: $0.2, l2: $0.2, loss: $0.2)
    }
    let r = SAEPathReport(
      name: "toy", ends: ["a", "b", "c"], reconstruction: .mse, l1: 0, samples: 1000, seed: 1,
      matchings: [[0], [0]], matchedCosines: [[1], [1]], points: points)
    let map = Figures.pathSlice(r, title: "Toy")
    XCTAssertEqual(map.xs, [0, 1])
    XCTAssertEqual(map.ys, [0, 1])
    XCTAssertEqual(map.values, [1, 2, 3, 4])
    XCTAssertEqual(map.overlays.map(\.name), ["a", "b", "c"])
    XCTAssertTrue(map.title.contains("estimated from 1000 samples"), map.title)
  }
}
