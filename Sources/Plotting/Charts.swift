import _CPLplot

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The layout and drawing of each figure kind. Every call here runs inside a Plotter session.

/// The data range of `values`, widened by `fraction` of its span on each side.
func paddedRange(_ values: [Double], fraction: Double) -> ClosedRange<Double> {
  guard let lo = values.min(), let hi = values.max() else { return 0...1 }
  if hi > lo {
    let pad = (hi - lo) * fraction
    return (lo - pad)...(hi + pad)
  }
  let pad = lo == 0 ? 1 : abs(lo) * 0.1
  return (lo - pad)...(hi + pad)
}

/// Sizes that every layout shares, in pixels.
private struct Metrics {
  let em: Double
  /// The glyph size of base-size text (PLplot text is about 1.3 character heights).
  var font: Double { 1.3 * em }
  var tick: Double { 0.5 * em }
  var gap: Double { 0.45 * em }
  var pad: Double { 0.9 * em }

  func textWidth(_ s: String, scale: Double = 1) -> Double {
    Canvas.estimatedWidth(s) * font * scale
  }

  /// The height the title needs above the frame.
  func titleHeight(_ title: String) -> Double {
    titleCentres(title).last.map { $0.centre + 0.5 * font * $0.scale + pad } ?? pad
  }

  /// For each title line from the bottom one up: its scale and the distance of its centre
  /// above the frame, in pixels.
  func titleCentres(_ title: String) -> [(scale: Double, centre: Double)] {
    let lines = titleLines(title)
    var y = 0.8 * em
    var out: [(scale: Double, centre: Double)] = []
    for i in stride(from: lines.count - 1, through: 0, by: -1) {
      let scale = i == 0 ? 1.25 : 1.0
      let h = font * scale
      out.append((scale, y + h / 2))
      y += h + 0.25 * em
    }
    return out
  }
}

private func titleLines(_ title: String) -> [String] {
  title.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    .filter { !$0.isEmpty }
}

extension Canvas {
  /// Draws a one- or two-line title centred above the viewport.
  fileprivate func drawTitle(_ title: String, metrics m: Metrics) {
    let lines = titleLines(title)
    guard !lines.isEmpty else { return }
    use(.ink)
    for (line, place) in zip(lines.reversed(), m.titleCentres(title)) {
      textScale(place.scale)
      c_plmtex("t", place.centre / (m.em * place.scale), 0.5, 0.5, line)
    }
    textScale(1)
  }

  /// Draws tick labels along one side of the viewport (already framed with plbox).
  fileprivate func drawTickLabels(
    _ ticks: Ticks, range: ClosedRange<Double>, side: String, metrics m: Metrics
  ) {
    use(.ink)
    let span = range.upperBound - range.lowerBound
    for v in ticks.values {
      let pos = (v - range.lowerBound) / span
      guard pos >= -1e-9 && pos <= 1 + 1e-9 else { continue }
      let label = ticks.label(v)
      let disp = (m.tick + m.gap) / m.em
      switch side {
      case "b": c_plmtex("b", disp + 1.0, pos, 0.5, label)
      case "l": c_plmtex("lv", disp, pos, 1.0, label)
      default: c_plmtex("rv", disp, pos, 0.0, label)
      }
    }
  }

  /// Draws a circle of radius `r` pixels at (x, y) in the current window.
  fileprivate func circle(
    x: Double, y: Double, radius r: Double, frame: PlotFrame, yRange: ClosedRange<Double>,
    fill: PlotColor?, outline: PlotColor, outlineWidth: Double
  ) {
    let kx = (frame.xRange.upperBound - frame.xRange.lowerBound) / (frame.right - frame.left)
    let ky = (yRange.upperBound - yRange.lowerBound) / (frame.bottom - frame.top)
    let n = 48
    var xs: [Double] = [], ys: [Double] = []
    for k in 0...n {
      let a = 2 * Double.pi * Double(k) / Double(n)
      xs.append(x + r * cos(a) * kx)
      ys.append(y + r * sin(a) * ky)
    }
    if let fill {
      color(fill)
      polygon(xs, ys)
    }
    color(outline)
    dash(.solid)
    c_plwidth(max(0.5, outlineWidth))
    polyline(xs, ys)
  }
}

// MARK: - Legend

/// One legend row.
private struct LegendEntry {
  enum Sample {
    case line(PlotColor, LineDash, width: Double)
    case symbol(PlotColor, glyph: String, scale: Double, count: Int)
  }
  let text: String
  let sample: Sample
}

extension Canvas {
  /// Draws the legend in a corner of the viewport; `points` are the drawn data in
  /// viewport fractions (0...1), used to choose the emptiest corner.
  fileprivate func drawLegend(
    _ entries: [LegendEntry], position: LegendPosition, points: [(Double, Double)],
    frameWidth: Double, frameHeight: Double, metrics m: Metrics
  ) {
    guard !entries.isEmpty, position != .hidden else { return }
    let textScale = 0.9
    let spacing = 1.9
    let plotWidth = 3.2 * m.em / frameWidth
    let textWidth = entries.map { m.textWidth($0.text, scale: textScale) }.max() ?? 0
    let boxWidth = plotWidth + (1.3 * m.em + textWidth + 0.8 * m.em) / frameWidth
    let boxHeight = (Double(entries.count) * spacing * textScale + 0.6) * m.em / frameHeight
    let inset = (0.018, 0.025)

    let corner: LegendPosition
    if position == .automatic {
      let candidates: [LegendPosition] = [.upperRight, .upperLeft, .lowerRight, .lowerLeft]
      func covered(_ c: LegendPosition) -> Int {
        let x0 = (c == .upperLeft || c == .lowerLeft) ? inset.0 : 1 - inset.0 - boxWidth
        let y0 = (c == .lowerLeft || c == .lowerRight) ? inset.1 : 1 - inset.1 - boxHeight
        let margin = 0.01
        return points.filter {
          $0.0 >= x0 - margin && $0.0 <= x0 + boxWidth + margin && $0.1 >= y0 - margin
            && $0.1 <= y0 + boxHeight + margin
        }.count
      }
      corner = candidates.min { covered($0) < covered($1) } ?? .upperRight
    } else {
      corner = position
    }
    var where_ = PLINT(PL_POSITION_INSIDE | PL_POSITION_VIEWPORT)
    switch corner {
    case .upperLeft: where_ |= PLINT(PL_POSITION_TOP | PL_POSITION_LEFT)
    case .lowerLeft: where_ |= PLINT(PL_POSITION_BOTTOM | PL_POSITION_LEFT)
    case .lowerRight: where_ |= PLINT(PL_POSITION_BOTTOM | PL_POSITION_RIGHT)
    default: where_ |= PLINT(PL_POSITION_TOP | PL_POSITION_RIGHT)
    }

    // Light samples (e.g. white lines over a heat map) get a dark legend box.
    let isLight: (PlotColor) -> Bool = {
      0.299 * Double($0.red) + 0.587 * Double($0.green) + 0.114 * Double($0.blue) > 200
    }
    let dark = entries.contains { entry in
      switch entry.sample {
      case .line(let c, _, _), .symbol(let c, _, _, _): isLight(c)
      }
    }
    let textColor = dark ? colors.index(of: .white) : ColorTable.Fixed.ink.rawValue
    let background = dark ? colors.index(of: PlotColor(hex: 0x3A3A3A)) : ColorTable.Fixed.background.rawValue
    let n = entries.count
    var options = [PLINT](repeating: 0, count: n)
    var textColors = [PLINT](repeating: textColor, count: n)
    var lineColors = [PLINT](repeating: 1, count: n)
    var lineStyles = [PLINT](repeating: 1, count: n)
    var lineWidths = [PLFLT](repeating: 1, count: n)
    var symbolColors = [PLINT](repeating: 1, count: n)
    var symbolScales = [PLFLT](repeating: 1, count: n)
    var symbolNumbers = [PLINT](repeating: 1, count: n)
    let texts: [UnsafeMutablePointer<CChar>?] = entries.map { strdup($0.text) }
    let glyphs: [UnsafeMutablePointer<CChar>?] = entries.map { entry in
      if case .symbol(_, let glyph, _, _) = entry.sample { return strdup(glyph) }
      return strdup("")
    }
    defer {
      texts.forEach { free($0) }
      glyphs.forEach { free($0) }
    }
    for (i, entry) in entries.enumerated() {
      switch entry.sample {
      case .line(let c, let d, let width):
        options[i] = PLINT(PL_LEGEND_LINE)
        lineColors[i] = colors.index(of: c)
        lineStyles[i] = d.plplotStyle
        lineWidths[i] = max(0.5, width * scale)
      case .symbol(let c, _, let s, let count):
        options[i] = PLINT(PL_LEGEND_SYMBOL)
        symbolColors[i] = colors.index(of: c)
        symbolScales[i] = s
        symbolNumbers[i] = PLINT(count)
      }
    }
    var width: PLFLT = 0, height: PLFLT = 0
    c_plschr(0, 1)
    lineWidth(1)
    texts.withUnsafeBufferPointer { textPointers in
      glyphs.withUnsafeBufferPointer { glyphPointers in
        textPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { t in
          glyphPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { g in
            c_pllegend(
              &width, &height,
              PLINT(PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX), where_,
              inset.0, inset.1, plotWidth,
              background, ColorTable.Fixed.border.rawValue, 1,
              0, 0, PLINT(n), &options,
              1.0, textScale, spacing, 0.0,
              &textColors, t.baseAddress,
              nil, nil, nil, nil,
              &lineColors, &lineStyles, &lineWidths,
              &symbolColors, &symbolScales, &symbolNumbers, g.baseAddress)
          }
        }
      }
    }
    c_pllsty(1)
  }
}

// MARK: - Line chart

extension LineChart {
  /// Draws the chart on an initialised stream and returns where its plot area is.
  func draw(on canvas: Canvas) throws(PlotError) -> PlotFrame {
    let m = Metrics(em: canvas.em)
    let hasRight = rightLabel != nil

    // Ranges.
    let allX = series.flatMap(\.xs) + markers.map(\.x) + guides.map(\.x)
    let x = xRange ?? paddedRange(allX, fraction: 0.02)
    func data(_ axis: YAxis) -> [Double] {
      series.filter { $0.axis == axis }.flatMap(\.ys) + markers.filter { $0.axis == axis }.map(\.y)
    }
    let leftData = data(.left)
    let left = leftRange ?? paddedRange(leftData.isEmpty ? data(.right) : leftData, fraction: 0.06)
    let right: ClosedRange<Double>? =
      hasRight ? (rightRange ?? paddedRange(data(.right), fraction: 0.06)) : nil

    let xTicks = Ticks(x, target: 6)
    let leftTicks = Ticks(left, target: 6)
    let rightTicks = right.map { Ticks($0, target: 6) }

    // Margins in pixels.
    let leftTickWidth = leftTicks.values.map { m.textWidth(leftTicks.label($0)) }.max() ?? m.em
    let rightTickWidth =
      rightTicks.map { t in t.values.map { m.textWidth(t.label($0)) }.max() ?? m.em } ?? 0
    let axisLabel = 1.3 * m.em
    let marginLeft = m.pad + axisLabel + m.gap + leftTickWidth + m.gap + m.tick
    let lastX = xTicks.values.last.map { m.textWidth(xTicks.label($0)) / 2 } ?? 0
    let marginRight =
      hasRight
      ? m.pad + axisLabel + m.gap + rightTickWidth + m.gap + m.tick
      : max(1.5 * m.em, lastX + m.pad)
    let marginTop = m.titleHeight(title)
    let marginBottom = m.pad + axisLabel + m.gap + m.font + m.gap + m.tick

    c_pladv(0)
    let edges = canvas.viewport(
      left: marginLeft, right: marginRight, top: marginTop, bottom: marginBottom)
    let frame = PlotFrame(
      left: edges.left, right: edges.right, top: edges.top, bottom: edges.bottom,
      xRange: x, leftRange: left, rightRange: right)
    let frameWidth = frame.right - frame.left
    let frameHeight = frame.bottom - frame.top

    func window(_ axis: YAxis) {
      let y = (axis == .right ? right : nil) ?? left
      c_plwind(x.lowerBound, x.upperBound, y.lowerBound, y.upperBound)
    }
    func yRange(_ axis: YAxis) -> ClosedRange<Double> { (axis == .right ? right : nil) ?? left }

    // Grid.
    window(.left)
    canvas.use(.grid)
    canvas.lineWidth(1)
    canvas.dash(.solid)
    c_plbox("g", xTicks.step, 0, "g", leftTicks.step, 0)

    // Everything drawn so far, in pixels: the legend and labels avoid it.
    var obstacles: [(Double, Double)] = []
    func pixel(_ px: Double, _ py: Double, _ axis: YAxis) -> (Double, Double) {
      (frame.column(x: px), frame.row(y: py, axis: axis))
    }
    func world(_ column: Double, _ row: Double, _ axis: YAxis) -> (Double, Double) {
      let yr = yRange(axis)
      return (
        x.lowerBound + (column - frame.left) / frameWidth * (x.upperBound - x.lowerBound),
        yr.lowerBound + (frame.bottom - row) / frameHeight * (yr.upperBound - yr.lowerBound)
      )
    }
    func block(centre: (Double, Double), width: Double, height: Double) {
      let nx = max(2, Int(width / 6)), ny = max(2, Int(height / 6))
      for i in 0...nx {
        for j in 0...ny {
          obstacles.append(
            (centre.0 - width / 2 + width * Double(i) / Double(nx),
              centre.1 - height / 2 + height * Double(j) / Double(ny)))
        }
      }
    }
    for s in series {
      for (a, b) in densified(s.xs, s.ys) { obstacles.append(pixel(a, b, s.axis)) }
    }

    // Guides, below the data.
    for g in guides where x.contains(g.x) {
      canvas.use(.guide)
      canvas.lineWidth(1.6)
      canvas.dash(.dashed)
      canvas.polyline([g.x, g.x], [left.lowerBound, left.upperBound])
      canvas.dash(.solid)
      let column = frame.column(x: g.x)
      for k in 0...40 {
        obstacles.append((column, frame.top + frameHeight * Double(k) / 40))
      }
      guard !g.label.isEmpty else { continue }
      let labelWidth = m.textWidth(g.label, scale: 0.85)
      let onLeft = column + 0.4 * m.em + labelWidth > frame.right - 0.3 * m.em
      let centre = (
        onLeft ? column - 0.4 * m.em - labelWidth / 2 : column + 0.4 * m.em + labelWidth / 2,
        frame.top + 1.2 * m.em
      )
      block(centre: centre, width: labelWidth, height: 0.85 * m.font)
      let anchor = world(onLeft ? column - 0.4 * m.em : column + 0.4 * m.em, centre.1, .left)
      canvas.use(.muted)
      canvas.textScale(0.85)
      c_plptex(anchor.0, anchor.1, 1, 0, onLeft ? 1 : 0, g.label)
      canvas.textScale(1)
    }

    // Series.
    for s in series {
      window(s.axis)
      switch s.style.stroke {
      case .line(let d, let width):
        canvas.color(s.style.color)
        canvas.lineWidth(width)
        canvas.dash(d)
        canvas.polyline(s.xs, s.ys)
        canvas.dash(.solid)
      case .points(let radius):
        for (px, py) in zip(s.xs, s.ys) {
          canvas.circle(
            x: px, y: py, radius: radius * canvas.scale, frame: frame, yRange: yRange(s.axis),
            fill: s.style.color, outline: s.style.color, outlineWidth: 0.5)
        }
      }
    }

    // Markers: global minima as large filled dots, local minima as hollow ones.
    for mark in markers {
      let radius = (mark.isEmphasized ? 7.5 : 6.0) * canvas.scale
      block(centre: pixel(mark.x, mark.y, mark.axis), width: 2 * radius, height: 2 * radius)
    }
    for mark in markers {
      window(mark.axis)
      let range = yRange(mark.axis)
      let radius = (mark.isEmphasized ? 7.5 : 6.0) * canvas.scale
      if mark.isEmphasized {
        canvas.circle(
          x: mark.x, y: mark.y, radius: radius, frame: frame, yRange: range,
          fill: mark.color, outline: .ink, outlineWidth: 1.5 * canvas.scale)
      } else {
        canvas.circle(
          x: mark.x, y: mark.y, radius: radius, frame: frame, yRange: range,
          fill: .white, outline: mark.color, outlineWidth: 2.5 * canvas.scale)
      }
      guard !mark.label.isEmpty else { continue }
      let (column, row) = pixel(mark.x, mark.y, mark.axis)
      let w = m.textWidth(mark.label, scale: 0.9)
      let h = 0.9 * m.font
      let away = radius + 0.35 * m.em
      // Above, below, right, left, then diagonally: the first that covers the least ink.
      let diagonal = away * 0.8
      let candidates = [
        (column, row - away - h / 2), (column, row + away + h / 2),
        (column + away + w / 2, row), (column - away - w / 2, row),
        (column - diagonal - w / 2, row - diagonal - h / 2),
        (column + diagonal + w / 2, row - diagonal - h / 2),
        (column - diagonal - w / 2, row + diagonal + h / 2),
        (column + diagonal + w / 2, row + diagonal + h / 2),
      ]
      var best: (Double, Double)? = nil
      var bestScore = Int.max
      for (cx0, cy) in candidates {
        let lo = frame.left + w / 2 + 0.3 * m.em, hi = frame.right - w / 2 - 0.3 * m.em
        let cx = lo <= hi ? min(max(cx0, lo), hi) : cx0
        guard cy - h / 2 >= frame.top + 0.2 * m.em, cy + h / 2 <= frame.bottom - 0.2 * m.em
        else { continue }
        let score = obstacles.filter {
          abs($0.0 - cx) <= w / 2 + 2 && abs($0.1 - cy) <= h / 2 + 2
        }.count
        if score < bestScore {
          bestScore = score
          best = (cx, cy)
        }
      }
      guard let centre = best else { continue }
      block(centre: centre, width: w, height: h)
      let anchor = world(centre.0, centre.1, mark.axis)
      canvas.use(.ink)
      canvas.textScale(0.9)
      c_plptex(anchor.0, anchor.1, 1, 0, 0.5, mark.label)
      canvas.textScale(1)
    }

    // Frame, ticks and tick labels.
    canvas.use(.ink)
    c_plwidth(max(1.0, 1.3 * canvas.scale))
    canvas.dash(.solid)
    window(.left)
    c_plbox("bcti", xTicks.step, 0, hasRight ? "bti" : "bcti", leftTicks.step, 0)
    canvas.drawTickLabels(xTicks, range: x, side: "b", metrics: m)
    canvas.drawTickLabels(leftTicks, range: left, side: "l", metrics: m)
    if let right, let rightTicks {
      window(.right)
      canvas.use(.ink)
      c_plbox("", 0, 0, "cti", rightTicks.step, 0)
      canvas.drawTickLabels(rightTicks, range: right, side: "r", metrics: m)
    }

    // Axis labels.
    canvas.use(.ink)
    c_plmtex("b", (m.tick + m.gap + m.font + m.gap + 0.85 * m.font) / m.em, 0.5, 0.5, xLabel)
    c_plmtex("l", (m.tick + m.gap + leftTickWidth + m.gap + 0.35 * m.font) / m.em, 0.5, 0.5, leftLabel)
    if let rightLabel {
      c_plmtex(
        "r", (m.tick + m.gap + rightTickWidth + m.gap + 0.95 * m.font) / m.em, 0.5, 0.5, rightLabel)
    }
    canvas.drawTitle(title, metrics: m)

    // Legend.
    var entries: [LegendEntry] = []
    for s in series where !s.name.isEmpty {
      switch s.style.stroke {
      case .line(let d, let width):
        entries.append(LegendEntry(text: s.name, sample: .line(s.style.color, d, width: width)))
      case .points(let radius):
        entries.append(
          LegendEntry(
            text: s.name,
            sample: .symbol(s.style.color, glyph: "●", scale: min(1.2, radius / 5), count: 3)))
      }
    }
    if markers.contains(where: \.isEmphasized) {
      entries.append(LegendEntry(text: "global minimum", sample: .symbol(.ink, glyph: "●", scale: 1.0, count: 1)))
    }
    if markers.contains(where: { !$0.isEmphasized }) {
      entries.append(LegendEntry(text: "local minimum", sample: .symbol(.ink, glyph: "○", scale: 1.0, count: 1)))
    }
    window(.left)
    let points = obstacles.map { ((($0.0 - frame.left) / frameWidth), (frame.bottom - $0.1) / frameHeight) }
    canvas.drawLegend(
      entries, position: legend, points: points, frameWidth: frameWidth,
      frameHeight: frameHeight, metrics: m)
    return frame
  }
}

/// The points of a polyline with each segment split into 16, so sparse lines count too.
func densified(_ xs: [Double], _ ys: [Double]) -> [(Double, Double)] {
  guard xs.count > 1 else { return Array(zip(xs, ys)) }
  var out: [(Double, Double)] = []
  for i in 1..<xs.count {
    for k in 0..<16 {
      let f = Double(k) / 16
      out.append((xs[i - 1] + f * (xs[i] - xs[i - 1]), ys[i - 1] + f * (ys[i] - ys[i - 1])))
    }
  }
  out.append((xs[xs.count - 1], ys[ys.count - 1]))
  return out
}

// MARK: - Heat map

/// A perceptually uniform map from dark purple to yellow (viridis anchor colours).
enum Viridis {
  static let anchors: [PlotColor] = [
    PlotColor(hex: 0x440154), PlotColor(hex: 0x482878), PlotColor(hex: 0x3E4A89),
    PlotColor(hex: 0x31688E), PlotColor(hex: 0x26828E), PlotColor(hex: 0x1F9E89),
    PlotColor(hex: 0x35B779), PlotColor(hex: 0x6DCD59), PlotColor(hex: 0xB4DE2C),
    PlotColor(hex: 0xFDE725),
  ]

  /// The colour at `f`, clamped to 0...1.
  static func color(_ f: Double) -> PlotColor {
    let t = min(1, max(0, f.isNaN ? 0 : f)) * Double(anchors.count - 1)
    let i = min(anchors.count - 2, Int(t))
    let u = t - Double(i)
    let a = anchors[i], b = anchors[i + 1]
    func mix(_ p: UInt8, _ q: UInt8) -> UInt8 {
      UInt8((Double(p) + (Double(q) - Double(p)) * u).rounded())
    }
    return PlotColor(red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
  }
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

extension HeatMap {
  /// Draws the map on an initialised stream and returns where its plot area is.
  func draw(on canvas: Canvas) throws(PlotError) -> PlotFrame {
    let m = Metrics(em: canvas.em)
    let xEdges = cellEdges(xs)
    let yEdges = cellEdges(ys)
    let x = xEdges[0]...xEdges[xEdges.count - 1]
    let y = yEdges[0]...yEdges[yEdges.count - 1]
    let finite = values.filter(\.isFinite)
    let zRange = valueRange ?? paddedRange(finite, fraction: 0)
    let xTicks = Ticks(x, target: 6)
    let yTicks = Ticks(y, target: 6)
    let zTicks = Ticks(zRange, target: 6)

    let yTickWidth = yTicks.values.map { m.textWidth(yTicks.label($0)) }.max() ?? m.em
    let zTickWidth = zTicks.values.map { m.textWidth(zTicks.label($0)) }.max() ?? m.em
    let axisLabel = 1.3 * m.em
    let barWidth = 1.3 * m.em
    let barGap = 1.6 * m.em
    let marginLeft = m.pad + axisLabel + m.gap + yTickWidth + m.gap + m.tick
    let marginRight =
      barGap + barWidth + m.tick + m.gap + zTickWidth + m.gap + axisLabel + m.pad
    let marginTop = m.titleHeight(title)
    let marginBottom = m.pad + axisLabel + m.gap + m.font + m.gap + m.tick

    c_pladv(0)
    let edges = canvas.viewport(
      left: marginLeft, right: marginRight, top: marginTop, bottom: marginBottom)
    let frame = PlotFrame(
      left: edges.left, right: edges.right, top: edges.top, bottom: edges.bottom,
      xRange: x, leftRange: y, rightRange: nil)
    let frameWidth = frame.right - frame.left
    let frameHeight = frame.bottom - frame.top
    c_plwind(x.lowerBound, x.upperBound, y.lowerBound, y.upperBound)

    // Missing points show the grey background.
    canvas.use(.missing)
    canvas.polygon(
      [x.lowerBound, x.upperBound, x.upperBound, x.lowerBound],
      [y.lowerBound, y.lowerBound, y.upperBound, y.upperBound])

    // Cells, each overlapping its upper and right neighbours by half a pixel so
    // antialiasing leaves no seams.
    let overlapX = 0.6 * (x.upperBound - x.lowerBound) / frameWidth
    let overlapY = 0.6 * (y.upperBound - y.lowerBound) / frameHeight
    let span = zRange.upperBound - zRange.lowerBound
    let n = xs.count
    for j in 0..<ys.count {
      for i in 0..<n {
        let v = values[j * n + i]
        guard v.isFinite else { continue }
        canvas.colors.set(ColorTable.Fixed.scratch.rawValue, Viridis.color((v - zRange.lowerBound) / span))
        canvas.use(.scratch)
        let x0 = xEdges[i], x1 = min(xEdges[i + 1] + overlapX, x.upperBound)
        let y0 = yEdges[j], y1 = min(yEdges[j + 1] + overlapY, y.upperBound)
        canvas.polygon([x0, x1, x1, x0], [y0, y0, y1, y1])
      }
    }

    // Overlay lines.
    for s in overlays {
      switch s.style.stroke {
      case .line(let d, let width):
        canvas.color(s.style.color)
        canvas.lineWidth(width)
        canvas.dash(d)
        canvas.polyline(s.xs, s.ys)
        canvas.dash(.solid)
      case .points(let radius):
        for (px, py) in zip(s.xs, s.ys) {
          canvas.circle(
            x: px, y: py, radius: radius * canvas.scale, frame: frame, yRange: y,
            fill: s.style.color, outline: s.style.color, outlineWidth: 0.5)
        }
      }
    }

    // Frame and labels.
    canvas.use(.ink)
    c_plwidth(max(1.0, 1.3 * canvas.scale))
    c_plbox("bcti", xTicks.step, 0, "bcti", yTicks.step, 0)
    canvas.drawTickLabels(xTicks, range: x, side: "b", metrics: m)
    canvas.drawTickLabels(yTicks, range: y, side: "l", metrics: m)
    canvas.use(.ink)
    c_plmtex("b", (m.tick + m.gap + m.font + m.gap + 0.85 * m.font) / m.em, 0.5, 0.5, xLabel)
    c_plmtex("l", (m.tick + m.gap + yTickWidth + m.gap + 0.35 * m.font) / m.em, 0.5, 0.5, yLabel)
    canvas.drawTitle(title, metrics: m)

    // Legend for the overlays.
    let entries: [LegendEntry] = overlays.filter { !$0.name.isEmpty }.map { s in
      switch s.style.stroke {
      case .line(let d, let width):
        LegendEntry(text: s.name, sample: .line(s.style.color, d, width: width))
      case .points(let radius):
        LegendEntry(
          text: s.name, sample: .symbol(s.style.color, glyph: "●", scale: min(1.2, radius / 5), count: 3))
      }
    }
    var points: [(Double, Double)] = []
    for s in overlays {
      for (a, b) in densified(s.xs, s.ys) {
        points.append(
          ((a - x.lowerBound) / (x.upperBound - x.lowerBound),
            (b - y.lowerBound) / (y.upperBound - y.lowerBound)))
      }
    }
    canvas.drawLegend(
      entries, position: legend, points: points, frameWidth: frameWidth,
      frameHeight: frameHeight, metrics: m)

    // Colour bar: its own viewport to the right of the frame.
    let w = Double(canvas.size.width), h = Double(canvas.size.height)
    let barLeft = frame.right + barGap
    c_plvpor(barLeft / w, (barLeft + barWidth) / w, 1 - frame.bottom / h, 1 - frame.top / h)
    c_plwind(0, 1, zRange.lowerBound, zRange.upperBound)
    let steps = 256
    let dz = span / Double(steps)
    for k in 0..<steps {
      let z0 = zRange.lowerBound + Double(k) * dz
      let z1 = min(z0 + dz * 1.6, zRange.upperBound)
      canvas.colors.set(ColorTable.Fixed.scratch.rawValue, Viridis.color((Double(k) + 0.5) / Double(steps)))
      canvas.use(.scratch)
      canvas.polygon([0, 1, 1, 0], [z0, z0, z1, z1])
    }
    canvas.use(.ink)
    c_plwidth(max(1.0, 1.3 * canvas.scale))
    c_plbox("bc", 0, 0, "bcti", zTicks.step, 0)
    canvas.drawTickLabels(zTicks, range: zRange, side: "r", metrics: m)
    canvas.use(.ink)
    c_plmtex("r", (m.tick + m.gap + zTickWidth + m.gap + 0.95 * m.font) / m.em, 0.5, 0.5, colorBarLabel)
    return frame
  }
}
