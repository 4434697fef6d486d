import _CPLplot

// Coloured cells and their colour bar, drawn the same way for every figure with a colour
// scale (`HeatMap`, the panels of `CosinePanels`). Every call runs inside a Plotter session.

/// A colour map: evenly spaced anchor colours, interpolated linearly in sRGB.
struct ColorMap {
  /// The colours at fractions 0, 1/(n-1), ..., 1 of the range; at least two.
  let anchors: [PlotColor]

  /// The colour at fraction `f` of the range, clamped to 0...1 (NaN counts as 0).
  func color(_ f: Double) -> PlotColor {
    let t = min(1, max(0, f.isNaN ? 0 : f)) * Double(anchors.count - 1)
    let i = min(anchors.count - 2, Int(t))
    let u = t - Double(i)
    let a = anchors[i]
    let b = anchors[i + 1]
    func mix(_ p: UInt8, _ q: UInt8) -> UInt8 {
      UInt8((Double(p) + (Double(q) - Double(p)) * u).rounded())
    }
    return PlotColor(
      red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
  }

  /// The colour of `value` on a map spanning `range`.
  func color(_ value: Double, range: ClosedRange<Double>) -> PlotColor {
    color((value - range.lowerBound) / (range.upperBound - range.lowerBound))
  }

  /// Perceptually uniform from dark purple to yellow (viridis anchor colours); monotone
  /// in greyscale.
  static let viridis = ColorMap(anchors: [
    PlotColor(hex: 0x440154), PlotColor(hex: 0x482878), PlotColor(hex: 0x3E4A89),
    PlotColor(hex: 0x31688E), PlotColor(hex: 0x26828E), PlotColor(hex: 0x1F9E89),
    PlotColor(hex: 0x35B779), PlotColor(hex: 0x6DCD59), PlotColor(hex: 0xB4DE2C),
    PlotColor(hex: 0xFDE725),
  ])

  /// Diverging, for signed values centred at 0: dark blue, white at the centre, dark red
  /// (ColorBrewer's RdBu reversed, with a pure white centre).
  static let diverging = ColorMap(anchors: [
    PlotColor(hex: 0x053061), PlotColor(hex: 0x2166AC), PlotColor(hex: 0x4393C3),
    PlotColor(hex: 0x92C5DE), PlotColor(hex: 0xD1E5F0), PlotColor(hex: 0xFFFFFF),
    PlotColor(hex: 0xFDDBC7), PlotColor(hex: 0xF4A582), PlotColor(hex: 0xD6604D),
    PlotColor(hex: 0xB2182B), PlotColor(hex: 0x67001F),
  ])
}

/// Cell edges around strictly increasing centres: midpoints inside, half-steps outside.
func cellEdges(_ centres: [Double]) -> [Double] {
  guard centres.count > 1 else {
    let c = centres.first ?? 0
    let half = c == 0 ? 0.5 : abs(c) * 0.05
    return [c - half, c + half]
  }
  var edges = [centres[0] - (centres[1] - centres[0]) / 2]
  for i in 1..<centres.count { edges.append((centres[i - 1] + centres[i]) / 2) }
  let n = centres.count
  edges.append(centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2)
  return edges
}

/// Values drawn as coloured cells: row-major, one row per y from the bottom up, NaN for a
/// missing cell; cell (i, j) spans `xEdges[i]...xEdges[i + 1]` and `yEdges[j]...yEdges[j + 1]`.
struct CellGrid {
  let values: [Double]
  let xEdges: [Double]
  let yEdges: [Double]

  var columns: Int { xEdges.count - 1 }
  var rows: Int { yEdges.count - 1 }

  /// Above this many cells an SVG or PDF embeds the cells as an image (cairo writes about
  /// 400 bytes per cell path: 4096 cells of noise take under 2 MB).
  static let vectorCellLimit = 4096
}

/// The size of a colour bar right of a frame, in pixels.
enum ColorBar {
  static func width(_ m: Metrics) -> Double { 1.3 * m.em }
  static func gap(_ m: Metrics) -> Double { 1.6 * m.em }

  /// The room a colour bar takes right of its frame, with tick labels `tickWidth` wide.
  static func room(tickWidth: Double, metrics m: Metrics) -> Double {
    gap(m) + width(m) + m.tick + m.gap + tickWidth + m.gap + 1.6 * m.em + m.pad
  }
}

extension Canvas {
  /// Draws `grid` in the current window over `frame`, each cell in `color(value)`.
  ///
  /// Missing cells show a light grey background. Each cell overlaps its upper and right
  /// neighbours by half a pixel so antialiasing leaves no seams; neighbours in a row that
  /// get the same colour are one rectangle. In SVG and PDF a large grid is embedded as one
  /// image (PLplot's rasterized mode), not as a path per cell: 401 x 401 cells would take
  /// 39 MB of paths.
  func drawCells(_ grid: CellGrid, frame: PlotFrame, color: (Double) -> PlotColor) {
    let x = frame.xRange
    let y = frame.leftRange
    use(.missing)
    polygon(
      [x.lowerBound, x.upperBound, x.upperBound, x.lowerBound],
      [y.lowerBound, y.lowerBound, y.upperBound, y.upperBound])
    let rasterize = isVector && grid.values.count > CellGrid.vectorCellLimit
    if rasterize { pl_cmd(PLESC_START_RASTERIZE, nil) }
    let overlapX = 0.6 * (x.upperBound - x.lowerBound) / (frame.right - frame.left)
    let overlapY = 0.6 * (y.upperBound - y.lowerBound) / (frame.bottom - frame.top)
    let n = grid.columns
    for j in 0..<grid.rows {
      let row = grid.values[(j * n)..<((j + 1) * n)]
      var i = row.startIndex
      while i < row.endIndex {
        guard row[i].isFinite else {
          i += 1
          continue
        }
        let c = color(row[i])
        var end = i + 1
        while end < row.endIndex, row[end].isFinite, color(row[end]) == c { end += 1 }
        colors.set(ColorTable.Fixed.scratch.rawValue, c)
        use(.scratch)
        let x0 = grid.xEdges[i - row.startIndex]
        let x1 = min(grid.xEdges[end - row.startIndex] + overlapX, x.upperBound)
        let y0 = grid.yEdges[j]
        let y1 = min(grid.yEdges[j + 1] + overlapY, y.upperBound)
        polygon([x0, x1, x1, x0], [y0, y0, y1, y1])
        i = end
      }
    }
    if rasterize { pl_cmd(PLESC_END_RASTERIZE, nil) }
  }

  /// Draws a colour bar in its own viewport right of `frame` and as tall: `map` over
  /// `range`, with its ticks, tick labels and label on the right.
  func drawColorBar(
    beside frame: PlotFrame, map: ColorMap, range: ClosedRange<Double>, ticks: Ticks,
    tickWidth: Double, label: String
  ) {
    let m = Metrics(em: em)
    let w = Double(size.width)
    let h = Double(size.height)
    let barLeft = (frame.right + ColorBar.gap(m)).rounded(.down) + 0.5
    let barRight = (barLeft + ColorBar.width(m)).rounded(.down) + 0.5
    c_plvpor(barLeft / w, barRight / w, 1 - frame.bottom / h, 1 - frame.top / h)
    c_plwind(0, 1, range.lowerBound, range.upperBound)
    let steps = 256
    let dz = (range.upperBound - range.lowerBound) / Double(steps)
    for k in 0..<steps {
      let z0 = range.lowerBound + Double(k) * dz
      let z1 = min(z0 + dz * 1.6, range.upperBound)
      colors.set(ColorTable.Fixed.scratch.rawValue, map.color((Double(k) + 0.5) / Double(steps)))
      use(.scratch)
      polygon([0, 1, 1, 0], [z0, z0, z1, z1])
    }
    use(.ink)
    c_plwidth(max(1.0, 1.3 * scale))
    c_plbox("bc", 0, 0, "b", 0, 0)
    drawRightAxis(ticks, range: range, label: label, tickWidth: tickWidth, color: .ink, metrics: m)
  }
}
