import Plotting
import Reports
import ToyModels
import XCTest

@testable import FigureComposition

/// A study's figure draws the seed means of its runs table, by hand.
final class StudyFigureTests: XCTestCase {
  /// Two widths x two strengths x two seeds; the run (4, 0.5, seed 2) failed.
  let table = StudyTable(
    columns: ["run", "sae.latents", "correlated.correlation.strength", "seed", "status", "mse"],
    rows: [
      ["0", "2", "0", "1", "ok", "0.5"],
      ["1", "2", "0", "2", "ok", "0.25"],
      ["2", "2", "0.5", "1", "ok", "1"],
      ["3", "2", "0.5", "2", "ok", "2"],
      ["4", "4", "0", "1", "ok", "0.125"],
      ["5", "4", "0", "2", "ok", "0.125"],
      ["6", "4", "0.5", "1", "ok", "3"],
      ["7", "4", "0.5", "2", "failed", ""],
    ])

  func testLinesAreSeedMeansWithTheirRangePerHue() throws {
    let figure = try Figures.studyChart(
      table: table, x: "sae.latents", y: "mse", hue: "correlated.correlation.strength")
    let chart = try XCTUnwrap(figure as? LineChart)
    let named = chart.series.filter { !$0.name.isEmpty }
    XCTAssertEqual(
      named.map(\.name), ["Correlation strength = 0", "Correlation strength = 0.5"])
    XCTAssertEqual(named[0].xs, [2, 4])
    XCTAssertEqual(named[0].ys, [0.375, 0.125])  // (0.5 + 0.25) / 2; (0.125 + 0.125) / 2
    XCTAssertEqual(named[1].ys, [1.5, 3])  // the failed run is left out
    // The range: strength 0 spreads at width 2 (0.25...0.5), strength 0.5 too (1...2).
    let edges = chart.series.filter { $0.name.isEmpty }.map(\.ys)
    XCTAssertEqual(edges, [[0.25, 0.125], [0.5, 0.125], [1, 3], [2, 3]])
    XCTAssertEqual(chart.xLabel, "SAE width (latents)")
    XCTAssertEqual(chart.leftLabel, "MSE")
    XCTAssertTrue(chart.title.hasSuffix("\n1 failed run left out"), chart.title)
  }

  func testHeatMapIsTheCellMeanOverTwoFields() throws {
    let figure = try Figures.studyChart(
      table: table, x: "sae.latents", y: "correlated.correlation.strength", color: "mse",
      title: "")
    let map = try XCTUnwrap(figure as? HeatMap)
    XCTAssertEqual(map.xs, [2, 4])
    XCTAssertEqual(map.ys, [0, 0.5])
    XCTAssertEqual(map.values, [0.375, 0.125, 1.5, 3])  // row by row in y
    XCTAssertEqual(map.title, "")
    XCTAssertEqual(map.colorBarLabel, "MSE")
  }

  func testUnknownColumnsAreNamedWithTheKnownOnes() {
    XCTAssertThrowsError(try Figures.studyChart(table: table, x: "sae.width", y: "mse")) {
      let e = $0 as! FieldError
      XCTAssertEqual(e.field, "--x")
      XCTAssertEqual(e.value, "sae.width")
      XCTAssertEqual(e.kind, .usage)
      XCTAssertTrue(e.reason.contains("sae.latents, correlated.correlation.strength, seed"))
    }
    XCTAssertThrowsError(
      try Figures.studyChart(table: table, x: "sae.latents", y: "mse", hue: "seed", color: "mse")
    ) { XCTAssertEqual(($0 as! FieldError).field, "--hue") }
    XCTAssertThrowsError(try Figures.studyChart(table: table, x: "status", y: "mse")) {
      XCTAssertEqual(($0 as! FieldError).description, "--x: status has \"ok\", which is not a finite number")
    }
  }

  func testWordsNameKnownColumnsAndKeepUnknownOnes() {
    XCTAssertEqual(Figures.studyWords("decoder_hedging_mass_mean"), "Mean decoder hedging mass")
    XCTAssertEqual(Figures.studyWords("hierarchy.groups[0].parent_probability"),
      "hierarchy.groups[0].parent_probability")
  }

  func testDrawsBothKinds() throws {
    for figure in [
      try Figures.studyChart(table: table, x: "sae.latents", y: "mse", hue: "seed"),
      try Figures.studyChart(
        table: table, x: "sae.latents", y: "correlated.correlation.strength", color: "mse"),
    ] {
      XCTAssertFalse(try figure.data(format: .svg, size: nil).isEmpty)
    }
  }
}
