import Foundation
import Synchronization
import XCTest

@testable import Plotting

/// Colours used only by the test figures, so their pixels can be told apart.
private let magenta = PlotColor(hex: 0xCC00CC)
private let teal = PlotColor(hex: 0x00A0A0)
private let lime = PlotColor(hex: 0x80E000)

private func isNear(_ c: PlotColor, _ d: PlotColor, tolerance: Int = 12) -> Bool {
  abs(Int(c.red) - Int(d.red)) <= tolerance && abs(Int(c.green) - Int(d.green)) <= tolerance
    && abs(Int(c.blue) - Int(d.blue)) <= tolerance
}

/// A dark neutral grey: the axis colour, possibly blended with white by antialiasing.
private func isDark(_ c: PlotColor) -> Bool {
  let values = [Int(c.red), Int(c.green), Int(c.blue)]
  return values.max()! < 150 && values.max()! - values.min()! < 12
}

/// The edges of the drawn frame, found from the pixels alone (independently of
/// `Raster.frame`): the frame lines are the columns (rows) with the most axis-coloured
/// pixels across the middle half of the image; the innermost such line on each side wins
/// (a heat map's colour bar has long edges too).
private func detectedFrame(_ r: Raster) -> (
  left: Double, right: Double, top: Double, bottom: Double
) {
  let middleRows = Array(r.height / 4..<3 * r.height / 4)
  let middleColumns = Array(r.width / 4..<3 * r.width / 4)
  func columnCount(_ c: Int) -> Int {
    middleRows.filter { isDark(r.color(column: c, row: $0)) }.count
  }
  func rowCount(_ row: Int) -> Int {
    middleColumns.filter { isDark(r.color(column: $0, row: row)) }.count
  }
  /// Scans `order` (from the centre outwards) for the first line at 80% of the longest,
  /// then returns the count-weighted centre of its contiguous run, in pixel coordinates.
  func edge(_ order: [Int], _ count: (Int) -> Int) -> Double {
    let counts = order.map(count)
    let longest = counts.max() ?? 0
    guard longest > 0, let first = counts.firstIndex(where: { Double($0) >= 0.8 * Double(longest) })
    else { return .nan }
    var lo = first
    var hi = first
    while lo > 0 && Double(counts[lo - 1]) >= 0.3 * Double(longest) { lo -= 1 }
    while hi + 1 < counts.count && Double(counts[hi + 1]) >= 0.3 * Double(longest) { hi += 1 }
    let weight = (lo...hi).map { Double(counts[$0]) }.reduce(0, +)
    let sum = (lo...hi).map { Double(order[$0]) * Double(counts[$0]) }.reduce(0, +)
    return sum / weight + 0.5
  }
  return (
    edge(Array((0..<r.width / 2).reversed()), columnCount),
    edge(Array(r.width / 2..<r.width), columnCount),
    edge(Array((0..<r.height / 2).reversed()), rowCount),
    edge(Array(r.height / 2..<r.height), rowCount)
  )
}

/// Every pixel (column, row) whose colour is near `color`.
private func pixels(of color: PlotColor, in r: Raster, tolerance: Int = 12) -> [(Int, Int)] {
  var out: [(Int, Int)] = []
  for row in 0..<r.height {
    for column in 0..<r.width
    where isNear(r.color(column: column, row: row), color, tolerance: tolerance) {
      out.append((column, row))
    }
  }
  return out
}

private let xs = (0...800).map { Double($0) / 800 }

/// A parabola with its minimum at x = 0.3, y = 0, on fixed axes.
private func parabolaChart(guideAt guide: Double = 0.7) -> LineChart {
  LineChart(
    title: "Parabola", xLabel: "x", leftLabel: "y",
    series: [
      Series(
        name: "(x - 0.3)^2", xs: xs, ys: xs.map { ($0 - 0.3) * ($0 - 0.3) },
        style: .line(magenta, .solid, width: 3))
    ],
    guides: [Guide(x: guide, label: "guide")], legend: .hidden,
    xRange: 0...1, leftRange: -0.05...0.5)
}

final class RasterGeometryTests: XCTestCase {
  func testFrameReportedWhereTheAxesAreDrawn() throws {
    let r = try Plotter.rasterize(parabolaChart(), size: .standard)
    XCTAssertEqual(r.width, 1200)
    XCTAssertEqual(r.height, 800)
    XCTAssertEqual(r.pixels.count, 4 * 1200 * 800)
    let d = detectedFrame(r)
    XCTAssertEqual(d.left, r.frame.left, accuracy: 2)
    XCTAssertEqual(d.right, r.frame.right, accuracy: 2)
    XCTAssertEqual(d.top, r.frame.top, accuracy: 2)
    XCTAssertEqual(d.bottom, r.frame.bottom, accuracy: 2)
    // Room is left for tick labels, axis labels and the title.
    XCTAssertGreaterThan(d.left, 40)
    XCTAssertGreaterThan(d.top, 30)
    XCTAssertLessThan(d.bottom, 800 - 40)
  }

  func testParabolaMinimumIsDrawnAtItsColumnAndRow() throws {
    let r = try Plotter.rasterize(parabolaChart(), size: .standard)
    let d = detectedFrame(r)
    let drawn = pixels(of: magenta, in: r)
    XCTAssertGreaterThan(drawn.count, 500)
    let lowest = drawn.map(\.1).max()!
    // Columns of the lowest few rows: their midpoint is the vertex (the curve is symmetric).
    let nearBottom = drawn.filter { $0.1 >= lowest - 1 }.map { Double($0.0) + 0.5 }
    let vertexColumn = (nearBottom.min()! + nearBottom.max()!) / 2
    let expectedColumn = d.left + 0.3 * (d.right - d.left)
    XCTAssertEqual(vertexColumn, expectedColumn, accuracy: 2.5)
    // y = 0 sits 0.05 / 0.55 of the way up from the bottom edge; the 3 px line extends
    // about 1.5 px below it.
    let expectedRow = d.bottom - 0.05 / 0.55 * (d.bottom - d.top)
    XCTAssertEqual(Double(lowest) + 0.5, expectedRow + 1.5, accuracy: 2.5)
    // Nothing of the curve lies outside the frame.
    XCTAssertTrue(drawn.allSatisfy { Double($0.0) >= d.left - 3 && Double($0.0) <= d.right + 3 })
  }

  func testGuideIsAVerticalLineAtItsColumn() throws {
    for (guide, size) in [(0.15, PlotSize(width: 900, height: 600)), (0.7, PlotSize.standard)] {
      let r = try Plotter.rasterize(parabolaChart(guideAt: guide), size: size)
      let d = detectedFrame(r)
      // Ink of neutral grey (the guide, blended by antialiasing) per column inside the frame,
      // away from its edges; light grid lines (>= 225) do not count.
      let rows = Int(d.top + 40)..<Int(d.bottom - 3)
      var ink: [Int: Double] = [:]
      var hits: [Int: Int] = [:]
      for column in Int(d.left + 3)..<Int(d.right - 3) {
        for row in rows {
          let c = r.color(column: column, row: row)
          let values = [Int(c.red), Int(c.green), Int(c.blue)]
          guard values.max()! - values.min()! < 6, values.max()! < 225 else { continue }
          ink[column, default: 0] += Double(255 - values.max()!)
          hits[column, default: 0] += 1
        }
      }
      let best = ink.max { $0.value < $1.value }!.key
      // Dashed, so roughly half of the rows carry ink.
      XCTAssertGreaterThan(Double(hits[best]!), 0.3 * Double(rows.count))
      let near = (best - 2...best + 2).map { (Double($0) + 0.5, ink[$0] ?? 0) }
      let centre = near.map { $0.0 * $0.1 }.reduce(0, +) / near.map(\.1).reduce(0, +)
      XCTAssertEqual(centre, d.left + guide * (d.right - d.left), accuracy: 1.5)
    }
  }

  func testRightAxisSeriesUsesItsOwnScale() throws {
    let chart = LineChart(
      title: "Two axes", xLabel: "x", leftLabel: "left", rightLabel: "right",
      series: [
        Series(name: "left", xs: xs, ys: xs.map { 10 + $0 }, style: .line(magenta)),
        Series(
          name: "right", xs: xs, ys: xs.map { abs($0 - 0.6) }, axis: .right,
          style: .line(teal, .solid, width: 3)),
      ],
      legend: .hidden, xRange: 0...1, leftRange: 9...12, rightRange: -0.1...0.9)
    let r = try Plotter.rasterize(chart)
    // The right edge is drawn in the right axis's colour (teal): take it from the report.
    var d = detectedFrame(r)
    d.right = r.frame.right
    // Inside the frame (its right axis and tick labels are teal too).
    let drawn = pixels(of: teal, in: r).filter {
      Double($0.0) > d.left + 2 && Double($0.0) < d.right - 3 && Double($0.1) < d.bottom - 2
    }
    let lowest = drawn.map(\.1).max()!
    let bottomColumns = drawn.filter { $0.1 == lowest }.map { Double($0.0) + 0.5 }
    let vertex = bottomColumns.reduce(0, +) / Double(bottomColumns.count)
    XCTAssertEqual(vertex, d.left + 0.6 * (d.right - d.left), accuracy: 2.5)
    XCTAssertEqual(Double(lowest) + 0.5, d.bottom - 0.1 * (d.bottom - d.top) + 1.5, accuracy: 3)
    // The left series y = 10 + x starts a third of the way up (9...12) at x = 0.
    let leftPixels = pixels(of: magenta, in: r).filter { Double($0.0) < d.left + 6 }
    XCTAssertFalse(leftPixels.isEmpty)
    let row = leftPixels.map { Double($0.1) + 0.5 }.reduce(0, +) / Double(leftPixels.count)
    XCTAssertEqual(row, d.bottom - (1.0 / 3.0) * (d.bottom - d.top), accuracy: 3)
    // The reported mapping agrees.
    XCTAssertEqual(
      r.frame.row(y: 0, axis: .right), d.bottom - 0.1 * (d.bottom - d.top), accuracy: 2)
  }

  func testRightAxisTakesTheColourOfItsCurve() throws {
    let chart = LineChart(
      title: "Two axes", xLabel: "x", leftLabel: "left", rightLabel: "right",
      series: [
        Series(name: "", xs: xs, ys: xs.map { 10 + $0 }, style: .line(magenta)),
        Series(name: "", xs: xs, ys: xs, axis: .right, style: .line(teal, .dashed)),
      ],
      legend: .hidden, xRange: 0...1, leftRange: 9...12, rightRange: -0.1...1.1)
    let r = try Plotter.rasterize(chart)
    let f = r.frame
    // The right edge of the frame, away from the curves' ends: teal, not ink.
    let edge = Int(f.right)
    let middle = Int((f.top + f.bottom) / 2)
    let edgeColumn = (edge - 1...edge + 1).map { r.color(column: $0, row: middle) }
    XCTAssertTrue(edgeColumn.contains { isNear($0, teal, tolerance: 40) }, "\(edgeColumn)")
    // Its tick labels and label: teal ink right of the frame, none on the left.
    let rightText = pixels(of: teal, in: r, tolerance: 40).filter { Double($0.0) > f.right + 4 }
    XCTAssertGreaterThan(rightText.count, 200)
    let leftText = pixels(of: teal, in: r, tolerance: 40).filter { Double($0.0) < f.left - 4 }
    XCTAssertEqual(leftText.count, 0)
    // The left axis stays ink.
    let leftEdge = (Int(f.left) - 1...Int(f.left) + 1).map { r.color(column: $0, row: middle) }
    XCTAssertTrue(leftEdge.contains(where: isDark), "\(leftEdge)")
  }

  func testEmphasisedMarkerIsAFilledDotCentredOnItsPoint() throws {
    var chart = parabolaChart()
    chart.markers = [
      Marker(x: 0.8, y: 0.3, label: "t=0.8", isEmphasized: true, color: lime),
      Marker(x: 0.1, y: 0.2, label: "local", isEmphasized: false, color: teal),
    ]
    let r = try Plotter.rasterize(chart)
    let d = detectedFrame(r)
    XCTAssertEqual(d.right, r.frame.right, accuracy: 2)
    let filled = pixels(of: lime, in: r, tolerance: 8)
    XCTAssertGreaterThan(filled.count, 80)  // a disc of radius 7.5 px has ~175 pixels
    let cx = filled.map { Double($0.0) + 0.5 }.reduce(0, +) / Double(filled.count)
    let cy = filled.map { Double($0.1) + 0.5 }.reduce(0, +) / Double(filled.count)
    XCTAssertEqual(cx, d.left + 0.8 * (d.right - d.left), accuracy: 1.5)
    XCTAssertEqual(cy, d.bottom - 0.35 / 0.55 * (d.bottom - d.top), accuracy: 1.5)
    // The local minimum is hollow: its centre pixel is white, its ring is teal.
    let hx = Int(d.left + 0.1 * (d.right - d.left))
    let hy = Int(d.bottom - 0.25 / 0.55 * (d.bottom - d.top))
    XCTAssertEqual(r.color(column: hx, row: hy), .white)
    let ring = pixels(of: teal, in: r).filter { abs($0.0 - hx) <= 9 && abs($0.1 - hy) <= 9 }
    XCTAssertGreaterThan(ring.count, 20)
  }

  func testHeatMapCellsUseTheColourMapAndMissingPointsAreGrey() throws {
    // Cells centred on x = 0, 1 and y = 0, 1; row-major, one row per y.
    let map = HeatMap(
      title: "Cells", xLabel: "x", yLabel: "y", xs: [0, 1], ys: [0, 1],
      values: [0, 1, .nan, 0.5], colorBarLabel: "v", valueRange: 0...1, legend: .hidden)
    let r = try Plotter.rasterize(map)
    let f = r.frame
    func centre(_ i: Int, _ j: Int) -> PlotColor {
      // The frame spans -0.5...1.5 on both axes: cell centres at 1/4 and 3/4.
      let column = f.left + (0.25 + 0.5 * Double(i)) * (f.right - f.left)
      let row = f.bottom - (0.25 + 0.5 * Double(j)) * (f.bottom - f.top)
      return r.color(column: Int(column), row: Int(row))
    }
    // viridis(0) = #440154, viridis(1) = #FDE725 (the published end colours).
    XCTAssertTrue(isNear(centre(0, 0), PlotColor(hex: 0x440154), tolerance: 3), "\(centre(0, 0))")
    XCTAssertTrue(isNear(centre(1, 0), PlotColor(hex: 0xFDE725), tolerance: 3), "\(centre(1, 0))")
    // Missing: light grey, neither white nor a map colour.
    XCTAssertTrue(isNear(centre(0, 1), PlotColor(hex: 0xD4D4D4), tolerance: 3), "\(centre(0, 1))")
    // viridis(0.5) is a teal-green near #21918C.
    XCTAssertTrue(isNear(centre(1, 1), PlotColor(hex: 0x21918C), tolerance: 20), "\(centre(1, 1))")
    let d = detectedFrame(r)
    XCTAssertEqual(d.left, f.left, accuracy: 2)
    XCTAssertEqual(d.bottom, f.bottom, accuracy: 2)
    // The colour bar right of the frame runs from viridis(0) at the bottom to viridis(1)
    // at the top, over the frame's height.
    let bottomRow = Int(d.bottom) - 4
    let topRow = Int(d.top) + 4
    let barColumns = (Int(d.right) + 5..<r.width).filter { column in
      isNear(r.color(column: column, row: bottomRow), PlotColor(hex: 0x440154), tolerance: 8)
        && isNear(r.color(column: column, row: topRow), PlotColor(hex: 0xFDE725), tolerance: 8)
    }
    XCTAssertGreaterThan(barColumns.count, 10, "no colour bar found")
    if let column = barColumns.first {
      let middle = r.color(column: column, row: Int((d.top + d.bottom) / 2))
      XCTAssertTrue(isNear(middle, PlotColor(hex: 0x21918C), tolerance: 20), "\(middle)")
    }
  }

  func testConcurrentCallsAreSerialisedAndDeterministic() throws {
    let chart = parabolaChart()
    let reference = try Plotter.rasterize(chart, size: PlotSize(width: 400, height: 300))
    let results = Mutex<[Raster?]>([])
    DispatchQueue.concurrentPerform(iterations: 6) { _ in
      let r = try? Plotter.rasterize(chart, size: PlotSize(width: 400, height: 300))
      results.withLock { $0.append(r) }
    }
    let all = results.withLock { $0 }
    XCTAssertEqual(all.count, 6)
    for r in all { XCTAssertEqual(r?.pixels, reference.pixels) }
  }
}

/// The bytes of a figure's file, drawn in memory (the command line writes them).
final class TitleLayoutTests: XCTestCase {
  func testLongTitleLineIsWrappedAtSpacesAndEveryLineFits() {
    let m = Metrics(em: 17)
    let width = 600.0
    let words = (1...16).map { "word\($0)" }
    let title = words.joined(separator: " ") + "\nsubtitle"
    let placed = m.titlePlacement(title, width: width)
    // Bottom line first: the subtitle, then the wrapped title from its last part up.
    XCTAssertEqual(placed.first?.line, "subtitle")
    XCTAssertGreaterThan(placed.count, 2)
    for p in placed { XCTAssertLessThanOrEqual(m.textWidth(p.line, scale: p.scale), width + 1e-9) }
    // No word lost, none split, the order kept; the title's parts keep the title's scale.
    let parts = placed.dropFirst().reversed()
    XCTAssertEqual(parts.flatMap { $0.line.split(separator: " ").map(String.init) }, words)
    XCTAssertTrue(parts.allSatisfy { $0.scale == 1.25 })
    // Centres rise from the bottom line up.
    XCTAssertEqual(placed.map(\.centre), placed.map(\.centre).sorted())
  }

  func testAnEndlessTitleTakesAtMostFourLines() {
    let m = Metrics(em: 17)
    let words = (1...5000).map { "word\($0)" }
    let placed = m.titlePlacement(words.joined(separator: " "), width: 600)
    XCTAssertEqual(placed.count, 4)
    XCTAssertEqual(
      placed.reversed().flatMap { $0.line.split(separator: " ").map(String.init) }, words)
  }

  func testTitleThatFitsWhenShrunkIsNotWrapped() {
    let m = Metrics(em: 17)
    let line = "a title a little too wide"
    let width = m.textWidth(line, scale: 1.25) * 0.8
    let placed = m.titlePlacement(line, width: width)
    XCTAssertEqual(placed.map(\.line), [line])
    XCTAssertEqual(placed[0].scale, 1.25 * 0.8, accuracy: 1e-12)
  }
}

final class ImageBytesTests: XCTestCase {
  func testPNGHasSignatureAndRequestedSize() throws {
    let data = try Plotter.data(
      parabolaChart(), format: .png, size: PlotSize(width: 640, height: 480))
    XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    XCTAssertEqual(String(decoding: data[12..<16], as: UTF8.self), "IHDR")
    func be32(_ at: Int) -> Int { data[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
    XCTAssertEqual(be32(16), 640)
    XCTAssertEqual(be32(20), 480)
  }

  func testHeatMapPNGIsDrawn() throws {
    let map = HeatMap(
      title: "Map\nsubtitle", xLabel: "p0", yLabel: "p01", xs: [0.1, 0.2, 0.3], ys: [0.1, 0.2],
      values: [1, 2, 3, 4, .nan, 6], colorBarLabel: "loss",
      overlays: [Series(name: "boundary", xs: [0.1, 0.3], ys: [0.1, 0.2])])
    let data = try Plotter.data(map, format: try ImageFormat(path: "map.PNG"))
    XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
  }

  func testEveryFormatHasItsSignature() throws {
    for format in ImageFormat.allCases {
      let bytes = try Plotter.data(parabolaChart(), format: format)
      let signature: [UInt8] =
        switch format {
        case .png: [0x89, 0x50, 0x4E, 0x47]
        case .svg: Array("<?xml".utf8)
        case .pdf: Array("%PDF-".utf8)
        }
      XCTAssertEqual(Array(bytes.prefix(signature.count)), signature, "\(format)")
      XCTAssertGreaterThan(bytes.count, 1000, "\(format)")
    }
    let svg = String(decoding: try Plotter.data(parabolaChart(), format: .svg), as: UTF8.self)
    XCTAssertTrue(svg.contains("<svg"))
  }

  func testPNGBytesAreTheSameEveryTime() throws {
    // A PNG carries no date or serial number (cairo numbers an SVG's glyph definitions per
    // process, so only the PNG is compared).
    let first = try Plotter.data(parabolaChart(), format: .png)
    XCTAssert(first == (try Plotter.data(parabolaChart(), format: .png)))
  }

  func testVectorFormatsDefaultToAPrintableSize() throws {
    XCTAssertEqual(ImageFormat.svg.defaultSize, PlotSize(width: 468, height: 312))
    XCTAssertEqual(ImageFormat.png.defaultSize, .standard)
    let svg = String(decoding: try Plotter.data(parabolaChart(), format: .svg), as: UTF8.self)
    XCTAssertTrue(svg.contains("width=\"468pt\" height=\"312pt\""), String(svg.prefix(300)))
  }

  func testUnknownExtensionIsRejected() throws {
    let target = "figures/chart.jpg"
    XCTAssertThrowsError(try ImageFormat(path: target)) { error in
      XCTAssertEqual(error as? PlotError, .unknownExtension(path: target, extension: ".jpg"))
      XCTAssertEqual(
        "\(error)", "unknown extension \".jpg\" in \"\(target)\" (use .png, .svg or .pdf)")
    }
    XCTAssertThrowsError(try Plotter.device(for: "figures.d/chart")) { error in
      XCTAssertEqual("\(error)", "no extension in \"figures.d/chart\" (use .png, .svg or .pdf)")
    }
    XCTAssertEqual(try Plotter.device(for: "a.b/chart.Svg"), "svgcairo")
  }

  func testNaNIsNamed() throws {
    var chart = parabolaChart()
    chart.series[0].ys[3] = .nan
    XCTAssertThrowsError(try Plotter.data(chart, format: .png)) { error in
      XCTAssertEqual(
        "\(error)", "series[0] \"(x - 0.3)^2\".ys[3]: nan is not finite")
    }
  }

  func testInvalidSizeIsRejected() throws {
    XCTAssertThrowsError(
      try Plotter.data(parabolaChart(), format: .png, size: PlotSize(width: 0, height: 800))
    ) { error in
      XCTAssertEqual("\(error)", "size: 0x800 is not within 100...8000")
    }
    XCTAssertThrowsError(
      try Plotter.rasterize(parabolaChart(), size: PlotSize(width: 800, height: 9000)))
  }
}

final class ValidationTests: XCTestCase {
  private func message(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return "\(error)"
    }
  }

  func testDataProblemsNameTheField() {
    var chart = parabolaChart()
    chart.series[0].xs.removeLast()
    XCTAssertEqual(
      message { _ = try Plotter.rasterize(chart) },
      "series[0] \"(x - 0.3)^2\": xs has 800 values but ys has 801")

    chart = parabolaChart()
    chart.series = []
    XCTAssertEqual(message { _ = try Plotter.rasterize(chart) }, "series: is empty")

    chart = parabolaChart()
    chart.series[0] = Series(name: "", xs: [], ys: [])
    XCTAssertEqual(message { _ = try Plotter.rasterize(chart) }, "series[0]: has no points")

    chart = parabolaChart()
    chart.series[0].axis = .right
    XCTAssertEqual(
      message { _ = try Plotter.rasterize(chart) },
      "series[0] \"(x - 0.3)^2\".axis: right axis used but the chart has no rightLabel")

    chart = parabolaChart()
    chart.markers = [Marker(x: .infinity, y: 0)]
    XCTAssertEqual(message { _ = try Plotter.rasterize(chart) }, "markers[0].x: inf is not finite")

    chart = parabolaChart()
    chart.xRange = 1...1
    XCTAssertEqual(
      message { _ = try Plotter.rasterize(chart) },
      "xRange: 1.0...1.0 is not a finite range of positive width")

    let map = HeatMap(
      title: "", xLabel: "", yLabel: "", xs: [0, 1], ys: [0], values: [1], colorBarLabel: "")
    XCTAssertEqual(
      message { _ = try Plotter.rasterize(map) },
      "values: has 1 entries but ys.count * xs.count = 2")
    let unsorted = HeatMap(
      title: "", xLabel: "", yLabel: "", xs: [0, 1, 1], ys: [0], values: [1, 2, 3],
      colorBarLabel: "")
    XCTAssertEqual(
      message { _ = try Plotter.rasterize(unsorted) },
      "xs[2]: 1.0 does not exceed 1.0 (must increase)")
  }

  func testDeviceFollowsTheExtension() throws {
    XCTAssertEqual(try Plotter.device(for: "a/b.png"), "pngcairo")
    XCTAssertEqual(try Plotter.device(for: "b.SVG"), "svgcairo")
    XCTAssertEqual(try Plotter.device(for: "/x.y/b.pdf"), "pdfcairo")
    XCTAssertThrowsError(try Plotter.device(for: "/x.png/b"))
  }
}

final class TickTests: XCTestCase {
  func testNiceTicks() {
    let t = Ticks(0.05...0.42)
    XCTAssertEqual(t.step, 0.1, accuracy: 1e-12)
    XCTAssertEqual(t.values.map(t.label), ["0.1", "0.2", "0.3", "0.4"])
    let s = Ticks(0.05...0.2)
    XCTAssertEqual(
      s.values.map(s.label), ["0.050", "0.075", "0.100", "0.125", "0.150", "0.175", "0.200"])
    let u = Ticks(-0.02...1.02)
    XCTAssertEqual(u.values.map(u.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let v = Ticks(-1...1)
    XCTAssertEqual(v.values.map(v.label), ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
    let w = Ticks(0...2500)
    XCTAssertEqual(w.values.map(w.label), ["0", "500", "1000", "1500", "2000", "2500"])
  }

  /// A narrow range far from zero (an MSE that moves in its fifth digit) keeps its ticks'
  /// labels distinct: the mantissa gets the decimals the step needs.
  func testScientificLabelsOfANarrowRangeAreDistinct() {
    let t = Ticks(0.038102...0.038109)
    let labels = t.values.map(t.label)
    XCTAssertEqual(Set(labels).count, labels.count, "\(labels)")
    // ticks a multiple of 1e-6 or 2e-6: 0.038104 = 3.8104e-2, four mantissa decimals.
    XCTAssertTrue(labels.contains("3.8104e-2"), "\(labels)")
    let big = Ticks(1_000_000...1_000_050)
    let bigLabels = big.values.map(big.label)
    XCTAssertEqual(Set(bigLabels).count, bigLabels.count, "\(bigLabels)")
    XCTAssertEqual(Ticks.scientific(9.99996e-3, step: 1e-7), "1.0000e-2")
    XCTAssertEqual(Ticks.scientific(2e6, step: 1e6), "2.0e6")
  }

  func testFixedFormatting() {
    XCTAssertEqual(Ticks.fixed(0.125, decimals: 2), "0.13")
    XCTAssertEqual(Ticks.fixed(-0.0001, decimals: 2), "0.00")
    XCTAssertEqual(Ticks.fixed(-3.5, decimals: 1), "-3.5")
    XCTAssertEqual(Ticks.fixed(0.05, decimals: 3), "0.050")
    XCTAssertEqual(Ticks.fixed(42, decimals: 0), "42")
  }
}

final class PLplotFailureTests: XCTestCase {
  /// memcairo without plsmem makes plinit call plexit, which would end the process
  /// without the shim's guard.
  func testFatalPLplotErrorIsThrownAndTheNextFigureStillDraws() throws {
    XCTAssertThrowsError(
      try Plotter.runSession(device: "memcairo", file: nil, memory: nil, size: .standard) { _ in 0 }
    ) { error in
      guard case .plplot(let message) = error as? PlotError else {
        return XCTFail("unexpected \(error)")
      }
      XCTAssertTrue(message.contains("plsmem"), message)
    }
    let r = try Plotter.rasterize(parabolaChart(), size: PlotSize(width: 300, height: 200))
    XCTAssertTrue(pixels(of: magenta, in: r).count > 50)
  }

  func testMissingDeviceIsReportedWithoutPrompting() {
    XCTAssertThrowsError(
      try Plotter.runSession(device: "no-such-device", file: nil, memory: nil, size: .standard) {
        _ in 0
      }
    ) { error in
      XCTAssertEqual(error as? PlotError, .deviceUnavailable("no-such-device"))
    }
  }
}

/// The paper's first case: MSE and L2 along the parent-child path for p0 = 0.3, p01 = 0.1.
private func lossChart() -> LineChart {
  let ts = (0...400).map { Double($0) / 400 }
  func mse(_ t: Double) -> Double {
    (0.3 * t * t + 0.1 * (1 - 2 * t) * (1 - 2 * t)) / (2 * t * t - 2 * t + 1)
  }
  func l2(_ t: Double) -> Double {
    (0.3 * t + 0.1 * abs(1 - 2 * t)) / (2 * t * t - 2 * t + 1).squareRoot()
  }
  return LineChart(
    title: "Tied single-latent SAE: loss along the parent-child path\np0 = 0.3, p01 = 0.1",
    xLabel: "t (0 = parent, 1/2 = merged, 1 = child)", leftLabel: "MSE loss",
    rightLabel: "L2 loss",
    series: [
      Series(name: "MSE", xs: ts, ys: ts.map(mse), style: .cycle(0)),
      Series(name: "L2", xs: ts, ys: ts.map(l2), axis: .right, style: .cycle(1)),
    ],
    markers: [
      Marker(x: 0.232408, y: 0.069722, label: "t=0.232", color: .darkBlue),
      Marker(x: 0, y: 0.1, axis: .right, label: "t=0", color: .orange),
      Marker(x: 0.5, y: l2(0.5), axis: .right, label: "t=0.5", isEmphasized: false, color: .orange),
    ],
    guides: [Guide(x: 0, label: "parent"), Guide(x: 0.5, label: "merged")])
}

final class LayoutTests: XCTestCase {
  func testNothingIsClippedAtTheImageBorder() throws {
    var chart = lossChart()
    chart.title =
      "A rather long title that has to fit: MSE and L2 losses of a tied SAE\nsecond line"
    for size in [
      PlotSize(width: 600, height: 400), .standard, PlotSize(width: 800, height: 800),
      PlotSize(width: 2000, height: 900),
    ] {
      let r = try Plotter.rasterize(chart, size: size)
      var touching: [(Int, Int)] = []
      for column in 0..<r.width {
        for row in [0, 1, r.height - 2, r.height - 1]
        where r.color(column: column, row: row) != .white {
          touching.append((column, row))
        }
      }
      for row in 0..<r.height {
        for column in [0, 1, r.width - 2, r.width - 1]
        where r.color(column: column, row: row) != .white {
          touching.append((column, row))
        }
      }
      XCTAssertTrue(touching.isEmpty, "\(size): ink at the border, e.g. \(touching.prefix(3))")
    }
  }

  func testAutomaticLegendCoversNoCurve() throws {
    for size in [PlotSize.standard, PlotSize(width: 600, height: 400)] {
      let chart = lossChart()
      let r = try Plotter.rasterize(chart, size: size)
      // The legend's bounding box: the long horizontal and vertical runs of light grey
      // (#B0B0B0, possibly lightened by antialiasing) that nothing else draws.
      func isBorder(_ c: PlotColor) -> Bool {
        let v = [Int(c.red), Int(c.green), Int(c.blue)]
        return v.max()! - v.min()! < 6 && (150...228).contains(v.max()!)
      }
      /// The longest run of border pixels along a line: (first index, last index).
      func longestRun(_ n: Int, _ pixel: (Int) -> PlotColor) -> (Int, Int)? {
        var best: (Int, Int)? = nil
        var start = -1
        for i in 0...n {
          if i < n && isBorder(pixel(i)) {
            if start < 0 { start = i }
          } else if start >= 0 {
            if best == nil || i - 1 - start > best!.1 - best!.0 { best = (start, i - 1) }
            start = -1
          }
        }
        return best
      }
      // The right edge is drawn in the L2 axis's colour: take it from the report.
      var d = detectedFrame(r)
      d.right = r.frame.right
      let minimum = Int(0.08 * (d.right - d.left))
      // Vertical edges: columns inside the frame with a long vertical run.
      let edges = (Int(d.left) + 3..<Int(d.right) - 3).compactMap { column -> (Int, Int, Int)? in
        guard let run = longestRun(r.height, { r.color(column: column, row: $0) }),
          run.1 - run.0 >= minimum / 2
        else { return nil }
        return (column, run.0, run.1)
      }
      XCTAssertFalse(edges.isEmpty, "\(size): no legend box found")
      guard !edges.isEmpty else { continue }
      let left = Double(edges.map(\.0).min()!)
      let right = Double(edges.map(\.0).max()!)
      let top = Double(edges.map(\.1).min()!)
      let bottom = Double(edges.map(\.2).max()!)
      XCTAssertGreaterThan(bottom - top, 30, "\(size)")
      XCTAssertGreaterThan(right - left, 60, "\(size)")
      // Where the data points land, from the detected frame and the chart's ranges.
      for s in chart.series {
        let yr = (s.axis == .right ? r.frame.rightRange : nil) ?? r.frame.leftRange
        for (x, y) in zip(s.xs, s.ys) {
          let column =
            d.left + (x - r.frame.xRange.lowerBound)
            / (r.frame.xRange.upperBound - r.frame.xRange.lowerBound) * (d.right - d.left)
          let row =
            d.bottom - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (d.bottom - d.top)
          let inside = column > left - 2 && column < right + 2 && row > top - 2 && row < bottom + 2
          XCTAssertFalse(inside, "\(size): \(s.name) at t=\(x) lies under the legend")
        }
      }
    }
  }

  func testDefaultStylesDifferInGreyscaleAndDash() {
    func grey(_ c: PlotColor) -> Double {
      0.299 * Double(c.red) + 0.587 * Double(c.green) + 0.114 * Double(c.blue)
    }
    let first = SeriesStyle.cycle(0)
    let second = SeriesStyle.cycle(1)
    XCTAssertGreaterThan(abs(grey(first.color) - grey(second.color)), 60)
    XCTAssertNotEqual(first.stroke, second.stroke)
    XCTAssertEqual(SeriesStyle.cycle(5), SeriesStyle.cycle(0))
    XCTAssertEqual(SeriesStyle.cycle(-1), SeriesStyle.cycle(4))
  }
}

/// The paper-column figure, the trajectory's visibility, and heat maps in vector files.
final class PublicationTests: XCTestCase {
  /// L2 at t = 1/2 for p0 = 0.3, p01 = 0.1 (where `lossChart()` marks a local minimum).
  static let l2AtMerged = 0.15 / 0.5.squareRoot()

  /// `lossChart()` with a two-phase training trajectory: six legend entries.
  private func trainedChart() -> LineChart {
    var chart = lossChart()
    chart.series.append(
      Series(
        name: "trained (snap, MSE phase)", xs: [0.5, 0.4, 0.3, 0.25, 0.232408],
        ys: [0.1, 0.08, 0.072, 0.07, 0.069722], style: .points(lime, radius: 3.5)))
    chart.series.append(
      Series(
        name: "trained (snap, L2 phase)", xs: [0.5, 0.5, 0.5],
        ys: [
          PublicationTests.l2AtMerged, PublicationTests.l2AtMerged, PublicationTests.l2AtMerged,
        ],
        axis: .right, style: .points(magenta, radius: 3.5)))
    return chart
  }

  func testColumnFigureKeepsTheFrameAndTheCurvesTall() throws {
    // 3.25 x 2.2 inches: in points for SVG and PDF, at 300 dpi for PNG.
    for size in [
      PlotSize.physical(width: 234, height: 158.4, format: .svg),
      PlotSize.physical(width: 234, height: 158.4, format: .png),
    ] {
      for chart in [lossChart(), trainedChart()] {
        let r = try Plotter.rasterize(chart, size: size)
        if let dir = ProcessInfo.processInfo.environment["PLOT_DEBUG_DIR"] {
          let bytes = try Plotter.data(chart, format: .png, size: size)
          try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/column-\(size.width).png"))
        }
        let f = r.frame
        let height = Double(r.height)
        XCTAssertGreaterThanOrEqual((f.bottom - f.top) / height, 0.6, "\(size): frame height")
        XCTAssertGreaterThanOrEqual((f.right - f.left) / Double(r.width), 0.6, "\(size): width")
        // The legend does not squeeze the curves: the data span at least 60% of the frame.
        for axis in [YAxis.left, .right] {
          let ys = chart.series.filter { $0.axis == axis }.flatMap(\.ys)
          let rows = ys.map { f.row(y: $0, axis: axis) }
          let span = (rows.max()! - rows.min()!) / (f.bottom - f.top)
          XCTAssertGreaterThanOrEqual(span, 0.6, "\(size): \(axis) data span")
        }
      }
    }
  }

  func testFontsScaleWithThePhysicalSize() {
    // Tick labels of a 3.25 inch column figure are about 7 pt, whatever the format.
    let svg = Canvas.layoutScale(PlotSize.physical(width: 234, height: 158.4, format: .svg))
    let png = Canvas.layoutScale(PlotSize.physical(width: 234, height: 158.4, format: .png))
    XCTAssertEqual(svg, png, accuracy: 0.01)
    XCTAssertEqual(17 * svg * 1.3, 7, accuracy: 0.5)
    XCTAssertEqual(Canvas.layoutScale(.standard), 1)
  }

  func testEveryPhaseOfATrajectoryShowsOverTheMinimaMarkers() throws {
    var chart = trainedChart()
    // The L2 phase sits exactly on the L2 marker at t = 1/2, as in train-snap-merges.
    chart.markers[2].isEmphasized = true
    let r = try Plotter.rasterize(chart)
    let f = r.frame
    for (color, at) in [
      (magenta, (0.5, PublicationTests.l2AtMerged, YAxis.right)),
      (lime, (0.232408, 0.069722, .left)),
    ] {
      let column = f.column(x: at.0)
      let row = f.row(y: at.1, axis: at.2)
      let near = pixels(of: color, in: r, tolerance: 30).filter {
        abs(Double($0.0) - column) < 6 && abs(Double($0.1) - row) < 6
      }
      XCTAssertGreaterThan(near.count, 12, "\(color) at \(at)")
    }
  }

  private func largeMap(categories: [HeatMap.Category]? = nil, n: Int = 401) -> HeatMap {
    let grid = (0..<n).map { Double($0) / Double(n - 1) * 0.5 }
    var values: [Double] = []
    var state: UInt64 = 7
    for j in 0..<n {
      for i in 0..<n {
        // A smooth field plus noise, so that no two neighbours share a colour.
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let noise = Double(state >> 40) / Double(1 << 24)
        values.append(
          categories == nil
            ? grid[i] * grid[j] + 0.01 * noise : Double(1 + (i + j + Int(noise * 3)) % 3))
      }
    }
    return HeatMap(
      title: "Phase diagram", xLabel: "p0", yLabel: "p01", xs: grid, ys: grid, values: values,
      colorBarLabel: "value",
      overlays: [Series(name: "line", xs: [0, 0.5], ys: [0, 0.5], style: .line(.white))],
      categories: categories)
  }

  func testLargeHeatMapVectorFilesStayUnderFiveMegabytes() throws {
    for format in [ImageFormat.svg, .pdf] {
      for size in [nil, PlotSize.standard] {
        let bytes = try Plotter.data(largeMap(), format: format, size: size)
        XCTAssertLessThan(bytes.count, 5_000_000, "\(format) \(String(describing: size))")
      }
    }
    // At the largest grid still drawn as paths (64 x 64), no two neighbours alike.
    let paths = try Plotter.data(largeMap(n: 64), format: .svg, size: .standard)
    XCTAssertLessThan(paths.count, 5_000_000)
    XCTAssertFalse(String(decoding: paths, as: UTF8.self).contains("<image"))
    // The overlay stays a vector path over the embedded cells.
    let svg = String(decoding: try Plotter.data(largeMap(), format: .svg), as: UTF8.self)
    XCTAssertTrue(svg.contains("<image"))
  }

  func testCategoricalMapHasADiscreteKeyNotAColourBar() throws {
    let categories = [
      HeatMap.Category(value: 1, label: "one L2 minimum"),
      HeatMap.Category(value: 2, label: "two L2 minima"),
      HeatMap.Category(value: 3, label: "three"),
    ]
    let r = try Plotter.rasterize(largeMap(categories: categories))
    let f = r.frame
    // Right of the frame: the three swatch colours, and no continuum of viridis shades.
    var seen: Set<PlotColor> = []
    for row in Int(f.top)..<Int(f.bottom) {
      for column in Int(f.right) + 3..<r.width {
        let c = r.color(column: column, row: row)
        let v = [Int(c.red), Int(c.green), Int(c.blue)]
        if v.max()! - v.min()! > 40 { seen.insert(c) }
      }
    }
    for i in 0..<3 {
      let swatch = HeatMap.categoryColor(i, of: 3)
      XCTAssertTrue(seen.contains { isNear($0, swatch, tolerance: 4) }, "category \(i)")
    }
    // A colour bar holds about 256 shades; a key only its swatches (and antialiased edges).
    XCTAssertLessThan(seen.count, 40)
    XCTAssertThrowsError(
      try Plotter.rasterize(
        HeatMap(
          title: "t", xLabel: "x", yLabel: "y", xs: [0, 1], ys: [0], values: [1, 5],
          colorBarLabel: "v", categories: categories))
    ) { error in XCTAssertTrue("\(error)".contains("values[1]"), "\(error)") }
  }

  func testBandsShadeTheirIntervalAndHaveOneLegendEntry() throws {
    let band = PlotColor(hex: 0xDDEEFF)
    var chart = parabolaChart()
    chart.bands = [
      Band(range: 0.1...0.3, color: band, label: "regime"),
      Band(range: 0.6...0.8, color: band, label: "regime"),
    ]
    let r = try Plotter.rasterize(chart)
    let f = r.frame
    let row = Int(f.top + 0.9 * (f.bottom - f.top))
    for (x, shaded) in [(0.2, true), (0.45, false), (0.7, true), (0.9, false)] {
      let c = r.color(column: Int(f.column(x: x)) + 3, row: row)
      XCTAssertEqual(isNear(c, band, tolerance: 3), shaded, "x = \(x): \(c)")
    }
  }
}
