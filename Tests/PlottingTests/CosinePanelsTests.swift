import Foundation
import XCTest

@testable import Plotting

/// An SAE's cosines drawn as the figure composition draws them: encoder and decoder panels
/// (one row per latent), the true features' cosines (the identity by default) as reference.
private func latentCosines(
  title: String = "", encoder: [[Double]], decoder: [[Double]],
  trueFeatures: [[Double]]? = nil, featureNames: [String]? = nil
) -> CosinePanels {
  let n = encoder.first?.count ?? 0
  let identity = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
  return CosinePanels(
    title: title,
    panels: [
      CosinePanels.Panel(title: "Encoder", rows: encoder),
      CosinePanels.Panel(title: "Decoder", rows: decoder),
    ],
    reference: CosinePanels.Panel(title: "True features", rows: trueFeatures ?? identity),
    rowLabel: "latent", columnLabel: "feature", columnNames: featureNames)
}

/// A deterministic SAE reading: latent i tracks feature i n / k and hedges into the next two
/// (negative in the encoder, positive in the decoder), plus small noise; rows unit-norm.
private func hedgingFigure(latents k: Int, features n: Int) -> CosinePanels {
  var state: UInt64 = 11
  func noise() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(state >> 40) / Double(1 << 24) - 0.5
  }
  func matrix(_ sign: Double) -> [[Double]] {
    (0..<k).map { i in
      let tracked = i * n / k
      let row = (0..<n).map { j -> Double in
        if j == tracked { return 0.9 }
        if j > tracked && j <= tracked + 2 { return sign * (0.1 + 0.3 * abs(noise())) }
        return 0.08 * noise()
      }
      let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
      return row.map { $0 / norm }
    }
  }
  return latentCosines(encoder: matrix(-1), decoder: matrix(1))
}

/// Three latents on three features with values whose colours are known (row 0 at the top).
private let knownValues = latentCosines(
  encoder: [[1, -1, 0], [0.5, -0.5, 0.001], [0, 0.03, 0]],
  decoder: [[0, 0, 0], [0, 0, 0], [0, 0, 1]])

private func isNear(_ c: PlotColor, _ d: PlotColor, tolerance: Int) -> Bool {
  abs(Int(c.red) - Int(d.red)) <= tolerance && abs(Int(c.green) - Int(d.green)) <= tolerance
    && abs(Int(c.blue) - Int(d.blue)) <= tolerance
}

/// The pixel at world point (`x`, `y`) of `frame`.
private func pixel(_ r: Raster, _ frame: PlotFrame, x: Double, y: Double) -> PlotColor {
  r.color(column: Int(frame.column(x: x)), row: Int(frame.row(y: y)))
}

/// Pixels inside the world rectangle `xs` x `ys` of `frame` that differ from `background`
/// (and pass `filter`).
private func ink(
  _ r: Raster, _ frame: PlotFrame, xs: ClosedRange<Double>, ys: ClosedRange<Double>,
  background: PlotColor, where filter: (PlotColor) -> Bool = { _ in true }
) -> Int {
  let columns = Int(frame.column(x: xs.lowerBound))...Int(frame.column(x: xs.upperBound))
  let rows = Int(frame.row(y: ys.upperBound))...Int(frame.row(y: ys.lowerBound))
  var count = 0
  for row in rows {
    for column in columns
    where !isNear(r.color(column: column, row: row), background, tolerance: 24) {
      if filter(r.color(column: column, row: row)) { count += 1 }
    }
  }
  return count
}

/// Dark pixels (text) in the band of rows `rows`: their count and column extent.
private func darkExtent(_ r: Raster, rows: Range<Int>, columns: Range<Int>) -> (
  count: Int, left: Int, right: Int
) {
  var (count, left, right) = (0, Int.max, Int.min)
  for row in rows {
    for column in columns {
      let c = r.color(column: column, row: row)
      guard max(c.red, c.green, c.blue) < 120 else { continue }
      count += 1
      left = min(left, column)
      right = max(right, column)
    }
  }
  return (count, left, right)
}

final class CosinePanelsTests: XCTestCase {
  func testEveryFormatRendersToBytesAtTheDefaultSize() throws {
    let single = latentCosines(
      encoder: [[0.97, -0.24]], decoder: [[0.95, 0.31]], featureNames: ["parent", "child"])
    for (name, figure) in [
      ("5x20", hedgingFigure(latents: 5, features: 20)),
      ("20x20", hedgingFigure(latents: 20, features: 20)), ("1x2", single),
    ] {
      let png = try Plotter.data(figure, format: .png)
      XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name)
      func be32(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
      let pngSize = figure.defaultSize(for: .png)
      XCTAssertEqual([be32(16), be32(20)], [pngSize.width, pngSize.height], name)
      XCTAssertGreaterThan(png.count, 20_000, name)

      let svg = String(decoding: try Plotter.data(figure, format: .svg), as: UTF8.self)
      let svgSize = figure.defaultSize(for: .svg)
      XCTAssertTrue(svg.hasPrefix("<?xml"), name)
      XCTAssertTrue(
        svg.contains("<svg") && svg.contains("width=\"\(svgSize.width)pt\""),
        "\(name): \(svg.prefix(300))")
      XCTAssertGreaterThan(svg.utf8.count, 20_000, name)

      let pdf = try Plotter.data(figure, format: .pdf)
      let pdfText = String(decoding: pdf, as: UTF8.self)
      XCTAssertTrue(pdfText.hasPrefix("%PDF-"), name)
      XCTAssertTrue(
        pdfText.contains("/MediaBox [ 0 0 \(svgSize.width) \(svgSize.height) ]"), name)
      XCTAssertGreaterThan(pdf.count, 5_000, name)
    }
  }

  func testEveryPanelIsDrawnAndTheReferenceOnlyOverHeatMaps() throws {
    let rows: [[Double]] = [[1, 0], [0, -1]]
    var figure = CosinePanels(
      panels: [
        CosinePanels.Panel(title: "A", rows: rows), CosinePanels.Panel(title: "B", rows: rows),
        CosinePanels.Panel(title: "C", rows: rows),
      ],
      rowLabel: "vector", columnLabel: "direction")
    XCTAssertEqual(try Plotter.rasterize(figure, size: .standard).panels.count, 3)
    figure.reference = CosinePanels.Panel(title: "R", rows: [[1, 0], [0, 1]])
    let (r, frames) = try Plotter.rasterize(figure, size: .standard)
    XCTAssertEqual(frames.count, 4)
    // Left to right, as wide as each other; panel C's cell (1, 1) is -1: dark blue.
    XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { $0.right < $1.left })
    XCTAssertTrue(isNear(pixel(r, frames[2], x: 1.3, y: -1.3), PlotColor(hex: 0x053061), tolerance: 4))
    // One row per panel: bar charts, and no reference.
    figure.panels = figure.panels.map { CosinePanels.Panel(title: $0.title, rows: [[0.5, -0.5]]) }
    XCTAssertEqual(try Plotter.rasterize(figure, size: .standard).panels.count, 3)
  }

  func testCellsUseTheDivergingMapWithRowZeroAtTheTop() throws {
    let (r, panels) = try Plotter.rasterize(knownValues, size: .standard)
    XCTAssertEqual(panels.count, 3)
    // ColorBrewer's RdBu ends, a white centre, and midpoints of its published classes:
    // 0.5 halfway between #F4A582 and #D6604D, -0.5 between #4393C3 and #92C5DE.
    let expected: [(Int, Int, Int, PlotColor)] = [
      (0, 0, 0, PlotColor(hex: 0x67001F)), (0, 0, 1, PlotColor(hex: 0x053061)),
      (0, 0, 2, .white), (0, 1, 0, PlotColor(red: 229, green: 131, blue: 104)),
      (0, 1, 1, PlotColor(red: 107, green: 172, blue: 209)), (0, 2, 2, .white),
      (1, 0, 0, .white), (1, 2, 2, PlotColor(hex: 0x67001F)),
      // True features: the identity.
      (2, 0, 0, PlotColor(hex: 0x67001F)), (2, 1, 1, PlotColor(hex: 0x67001F)),
      (2, 0, 1, .white), (2, 2, 0, .white),
    ]
    for (panel, i, j, color) in expected {
      // Near the cell's top-left corner, away from the printed value.
      let c = pixel(r, panels[panel], x: Double(j) - 0.38, y: -Double(i) + 0.38)
      XCTAssertTrue(isNear(c, color, tolerance: 2), "panel \(panel) (\(i), \(j)): \(c)")
    }
    // The colour bar runs from blue at the bottom through white to red at the top.
    let bar = panels[2]
    let barColumns = (Int(bar.right) + 5..<r.width).filter { column in
      isNear(r.color(column: column, row: Int(bar.top) + 2), PlotColor(hex: 0x67001F), tolerance: 8)
        && isNear(
          r.color(column: column, row: Int(bar.bottom) - 2), PlotColor(hex: 0x053061),
          tolerance: 8)
    }
    XCTAssertGreaterThan(barColumns.count, 10)
    if let column = barColumns.first {
      let middle = r.color(column: column, row: Int((bar.top + bar.bottom) / 2))
      XCTAssertTrue(isNear(middle, .white, tolerance: 6), "\(middle)")
    }
  }

  func testValuesArePrintedInLargeCellsExceptNearZero() throws {
    let (r, panels) = try Plotter.rasterize(knownValues, size: .standard)
    let encoder = panels[0]
    func text(_ i: Int, _ j: Int, on background: PlotColor) -> Int {
      ink(
        r, encoder, xs: (Double(j) - 0.3)...(Double(j) + 0.3),
        ys: (-Double(i) - 0.12)...(-Double(i) + 0.12), background: background)
    }
    XCTAssertGreaterThan(text(1, 0, on: PlotColor(red: 229, green: 131, blue: 104)), 30, "0.50")
    XCTAssertGreaterThan(text(0, 0, on: PlotColor(hex: 0x67001F)), 30, "1.00")
    XCTAssertGreaterThan(
      ink(
        r, encoder, xs: -0.3...0.3, ys: -0.12...0.12, background: PlotColor(hex: 0x67001F),
        where: { min($0.red, $0.green, $0.blue) > 180 }), 15, "1.00 in white on dark red")
    // Values from 0.05 up in ink, smaller ones in grey.
    func isInk(_ c: PlotColor) -> Bool { max(c.red, c.green, c.blue) < 70 }
    let orange = PlotColor(red: 229, green: 131, blue: 104)
    XCTAssertGreaterThan(
      ink(r, encoder, xs: -0.3...0.3, ys: -1.12 ... -0.88, background: orange, where: isInk), 10,
      "0.50 in ink")
    XCTAssertGreaterThan(text(2, 1, on: .white), 30, "0.03")
    XCTAssertEqual(
      ink(r, encoder, xs: 0.7...1.3, ys: -2.12 ... -1.88, background: .white, where: isInk), 0,
      "0.03 in grey")
    XCTAssertEqual(text(1, 2, on: .white), 0, "0.001 prints nothing")
    XCTAssertEqual(text(0, 2, on: .white), 0, "0 prints nothing")

    XCTAssertNil(CosinePanels.valueLabel(0.0049))
    XCTAssertNil(CosinePanels.valueLabel(-0.0049))
    XCTAssertEqual(CosinePanels.valueLabel(-0.234), "-0.23")
    XCTAssertEqual(CosinePanels.valueLabel(0.016), "0.02")
    XCTAssertEqual(CosinePanels.valueLabel(1), "1.00")
  }

  func testMoreThanTwentyFeaturesOrThinCellsPrintNoValues() throws {
    let wide = hedgingFigure(latents: 5, features: 21)
    let widest = wide.drawnPanels.map(\.widestValue)
    let big = PlotSize(width: 8000, height: 2000)
    XCTAssertEqual(
      CosineLayout(wide, size: big, widest: widest).valueScales, [nil, nil, nil])
    XCTAssertEqual(wide.defaultSize(for: .png), .standard)
    XCTAssertEqual(wide.defaultSize(for: .pdf), .page)
    // Twenty features print at a big size, not in 1200x800.
    let twenty = hedgingFigure(latents: 5, features: 20)
    let twentyWidest = twenty.drawnPanels.map(\.widestValue)
    let scales = CosineLayout(twenty, size: big, widest: twentyWidest).valueScales
    XCTAssertEqual(scales.compactMap { $0 }.count, 3)
    XCTAssertEqual(Set(scales.compactMap { $0 }).count, 1, "one text size for every panel")
    XCTAssertEqual(
      CosineLayout(twenty, size: .standard, widest: twentyWidest).valueScales, [nil, nil, nil])
    // A cell of the 21-feature figure near its tracked value shows its colour alone.
    let (r, panels) = try Plotter.rasterize(wide, size: .standard)
    let tracked = PlotColor(hex: 0x67001F)
    XCTAssertTrue(isNear(pixel(r, panels[0], x: 0, y: 0), tracked, tolerance: 20))
  }

  func testAPanelWhoseCellsAreTooSmallPrintsNothingWhileTheOthersPrint() throws {
    // At 312 points high, "1.00" fits the true features' cells at a narrower width than
    // "-0.23" fits the encoder's.
    let figure = hedgingFigure(latents: 5, features: 20)
    let widest = figure.drawnPanels.map(\.widestValue)
    let sizes = stride(from: 468, through: 1404, by: 4).map { PlotSize(width: $0, height: 312) }
    guard
      let size = sizes.first(where: { size in
        CosineLayout(figure, size: size, widest: widest).valueScales.map { $0 != nil }
          == [false, false, true]
      })
    else { return XCTFail("no size prints in the true features alone") }
    let (r, panels) = try Plotter.rasterize(figure, size: size)
    // The tracked cells (dark red): white text in the true features' only.
    let dark = PlotColor(hex: 0x67001F)
    let encoderText = ink(r, panels[0], xs: -0.3...0.3, ys: -0.15...0.15, background: dark)
    let trueText = ink(r, panels[2], xs: -0.3...0.3, ys: -0.15...0.15, background: dark)
    XCTAssertEqual(encoderText, 0)
    XCTAssertGreaterThan(trueText, 5)
  }

  func testDefaultSizeIsTheNarrowestThatPrintsComfortably() {
    let base = ImageFormat.png.defaultSize
    for figure in [
      hedgingFigure(latents: 5, features: 20), hedgingFigure(latents: 20, features: 20),
    ] {
      let widest = figure.drawnPanels.map(\.widestValue)
      let size = figure.defaultSize(for: .png)
      XCTAssertGreaterThan(size.width, base.width)
      XCTAssertEqual(size.height, base.height)
      let scales = CosineLayout(figure, size: size, widest: widest).valueScales
      XCTAssertTrue(scales.allSatisfy { ($0 ?? 0) >= 0.7 }, "\(scales)")
      let narrower = PlotSize(width: size.width - base.width / 20, height: size.height)
      let before = CosineLayout(figure, size: narrower, widest: widest).valueScales
      XCTAssertFalse(before.allSatisfy { ($0 ?? 0) >= 0.7 }, "\(before)")
    }
    XCTAssertEqual(knownValues.defaultSize(for: .png), .standard)
    XCTAssertEqual(knownValues.defaultSize(for: .svg), .page)
  }

  func testPanelTitlesSitCentredAboveTheirPanels() throws {
    var figure = hedgingFigure(latents: 4, features: 6)
    let (untitled, panels) = try Plotter.rasterize(figure, size: .standard)
    let room = Int(CosineLayout(figure, size: .standard, widest: [0, 0, 0]).panelTitleRoom)
    var widths: [Int] = []
    for frame in panels {
      let band = Int(frame.top) - room..<Int(frame.top) - 3
      let title = darkExtent(
        untitled, rows: band, columns: Int(frame.left)..<Int(frame.right))
      XCTAssertGreaterThan(title.count, 50)
      guard title.count > 0 else { continue }
      XCTAssertEqual(
        Double(title.left + title.right) / 2, (frame.left + frame.right) / 2, accuracy: 4)
      widths.append(title.right - title.left)
    }
    // "Encoder" and "Decoder" are about as wide; "True features" is much wider.
    guard widths.count == 3 else { return XCTFail("titles missing: \(widths)") }
    XCTAssertEqual(Double(widths[1]) / Double(widths[0]), 1, accuracy: 0.1)
    XCTAssertGreaterThan(Double(widths[2]) / Double(widths[0]), 1.4)
    // Without a figure title nothing is drawn above the panel titles; with one, it is
    // centred over the panels.
    let above = 0..<Int(panels[0].top) - room - 2
    XCTAssertEqual(darkExtent(untitled, rows: above, columns: 0..<untitled.width).count, 0)
    figure.title = "Four latents on six features"
    let (titled, moved) = try Plotter.rasterize(figure, size: .standard)
    let top = darkExtent(titled, rows: 0..<Int(moved[0].top) - room - 2, columns: 0..<titled.width)
    XCTAssertGreaterThan(top.count, 100)
    guard top.count > 0 else { return }
    XCTAssertEqual(
      Double(top.left + top.right) / 2, (moved[0].left + moved[2].right) / 2, accuracy: 6)
  }

  func testSingleLatentDrawsSignedBarsFromAZeroLine() throws {
    let figure = latentCosines(encoder: [[0.8, -0.4]], decoder: [[0.6, 0.3]])
    let (r, panels) = try Plotter.rasterize(figure, size: .standard)
    XCTAssertEqual(panels.count, 2)
    XCTAssertEqual(panels[0].leftRange, -1.2...1.2)
    let red = PlotColor(hex: 0xB2182B)
    let blue = PlotColor(hex: 0x2166AC)
    let encoder = panels[0]
    // Inside each bar (off its centre line, where its value is printed) and just past it.
    XCTAssertTrue(isNear(pixel(r, encoder, x: 0.3, y: 0.7), red, tolerance: 2))
    XCTAssertTrue(isNear(pixel(r, encoder, x: 0.3, y: 0.1), red, tolerance: 2))
    XCTAssertFalse(isNear(pixel(r, encoder, x: 0.3, y: 0.9), red, tolerance: 40))
    XCTAssertFalse(isNear(pixel(r, encoder, x: 0.3, y: -0.1), red, tolerance: 40))
    XCTAssertTrue(isNear(pixel(r, encoder, x: 1.3, y: -0.3), blue, tolerance: 2))
    XCTAssertFalse(isNear(pixel(r, encoder, x: 1.3, y: -0.5), blue, tolerance: 40))
    XCTAssertFalse(isNear(pixel(r, encoder, x: 1.3, y: 0.1), blue, tolerance: 40))
    XCTAssertTrue(isNear(pixel(r, panels[1], x: 1.3, y: 0.2), red, tolerance: 2))
    // The line at 0 runs between the bars.
    let zero = Int(encoder.row(y: 0))
    let between = Int(encoder.column(x: 0.5))
    let line = (zero - 2...zero + 2).map { r.color(column: between, row: $0) }
    XCTAssertTrue(line.contains { max($0.red, $0.green, $0.blue) < 120 }, "\(line)")
    // Each value is printed past the end of its bar.
    XCTAssertGreaterThan(
      ink(r, encoder, xs: -0.3...0.3, ys: 0.82...1.0, background: .white), 30, "0.80")
    XCTAssertGreaterThan(
      ink(r, encoder, xs: 0.7...1.3, ys: -0.6 ... -0.42, background: .white), 30, "-0.40")
  }

  func testAxisLabelsNameTheFeaturesWhenTheyFit() {
    let m = Metrics(em: 17)
    let names = ["parent", "child 1", "child 2"]
    let wide = AxisLabels.columns(3, names: names, cell: 300, maxLength: 200, metrics: m)
    XCTAssertTrue(wide.isNamed && !wide.isVertical)
    XCTAssertEqual(wide.ticks.values.map(wide.ticks.label), names)
    let narrow = AxisLabels.columns(3, names: names, cell: 40, maxLength: 200, metrics: m)
    XCTAssertTrue(narrow.isNamed && narrow.isVertical)
    let thin = AxisLabels.columns(3, names: names, cell: 10, maxLength: 200, metrics: m)
    XCTAssertFalse(thin.isNamed)
    // 64 columns of 10 pixels: every k-th index (k = 1, 2, 5, 10, ...), spaced wider than
    // the widest label.
    let indices = AxisLabels.columns(64, names: nil, cell: 10, maxLength: 200, metrics: m)
    let step = indices.ticks.step
    XCTAssertTrue([5.0, 10, 20].contains(step), "\(step)")
    XCTAssertGreaterThanOrEqual(step * 10, m.textWidth("63"))
    XCTAssertEqual(indices.ticks.values.first, 0)
    XCTAssertEqual(indices.ticks.values.map(indices.ticks.label).prefix(2), ["0", "\(Int(step))"])
    // Rows: the first row at the top (y = 0), then downwards.
    let rows = AxisLabels.rows(3, names: names, cell: 100, metrics: m)
    XCTAssertEqual(rows.ticks.values, [0, -1, -2])
    XCTAssertEqual(rows.ticks.label(-1), "child 1")
  }

  func testBadInputNamesTheField() {
    func message(_ figure: CosinePanels) -> String? {
      do {
        _ = try Plotter.data(figure, format: .png)
        return nil
      } catch {
        return "\(error)"
      }
    }
    let ok = latentCosines(encoder: [[1, 0], [0, 1]], decoder: [[1, 0], [0, 1]])
    XCTAssertNil(message(ok))
    var f = ok
    f.panels = []
    XCTAssertEqual(message(f), "panels: is empty")
    f = ok
    f.panels[0].rows = []
    XCTAssertEqual(message(f), "panels[0] \"Encoder\".rows: is empty")
    f.panels[0].rows = [[], []]
    XCTAssertEqual(message(f), "panels[0] \"Encoder\".rows[0]: is empty")
    f = ok
    f.panels[0].rows[1] = [0.5]
    XCTAssertEqual(
      message(f), "panels[0] \"Encoder\".rows[1]: has 1 values but there are 2 columns")
    f = ok
    f.panels[1].rows = [[1, 0]]
    XCTAssertEqual(message(f), "panels[1] \"Decoder\".rows: has 1 rows but panels[0] has 2")
    f = ok
    f.panels[0].rows[0][1] = .infinity
    XCTAssertEqual(message(f), "panels[0] \"Encoder\".rows[0][1]: inf is not finite")
    f = ok
    f.panels[1].rows[1][0] = -1.5
    XCTAssertEqual(
      message(f), "panels[1] \"Decoder\".rows[1][0]: -1.5 is not a cosine (outside -1...1)")
    f = ok
    f.panels[1].rows[1][1] = 1 + 1e-12
    XCTAssertNil(message(f), "rounding past 1 is still a cosine")
    f = ok
    f.reference?.rows = [[1, 0]]
    XCTAssertEqual(
      message(f), "reference \"True features\".rows: has 1 rows but there are 2 columns")
    f.reference?.rows = [[1, 0, 0], [0, 1, 0]]
    XCTAssertEqual(
      message(f), "reference \"True features\".rows[0]: has 3 values but there are 2 columns")
    f.reference?.rows = [[1, 0.2], [0.2, .nan]]
    XCTAssertEqual(message(f), "reference \"True features\".rows[1][1]: nan is not finite")
    f = ok
    f.columnNames = ["a"]
    XCTAssertEqual(message(f), "columnNames: has 1 names but there are 2 columns")
    f.columnNames = ["a", "b\u{0}"]
    XCTAssertEqual(message(f), "columnNames[1]: contains a NUL character")
    f = ok
    f.title = String(repeating: "x", count: 501)
    XCTAssertEqual(message(f), "title: is longer than 500 bytes")
    f = ok
    f.panels[1].title = "x\u{0}"
    XCTAssertEqual(message(f), "panels[1].title: contains a NUL character")
    // An invalid figure still has a default size.
    XCTAssertEqual(
      latentCosines(encoder: [], decoder: []).defaultSize(for: .png), .standard)
  }

  func testTinyAndHugeSizesDrawWithoutFailing() throws {
    for figure in [hedgingFigure(latents: 5, features: 20), knownValues] {
      for size in [
        PlotSize(width: 100, height: 100), PlotSize(width: 8000, height: 100),
        PlotSize(width: 100, height: 8000),
      ] {
        XCTAssertNoThrow(try Plotter.data(figure, format: .png, size: size), "\(size)")
      }
    }
  }
}
