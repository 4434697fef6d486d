import _CPLplot

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Layout shared by every figure kind: metrics, titles, ticks along the frame, dots,
// things to keep clear of, and the legend. Every PLplot call runs inside a Plotter session.

/// The data range of `values`, widened by `fraction` of its span on each side.
///
/// Data flatter than an axis can label (span below `Ticks.minimumSpan`, e.g. all equal)
/// get 10% of their value on each side, or 1 when that is still too narrow (values near 0,
/// subnormal ones included): the axis shows them as the flat line they are.
func paddedRange(_ values: [Double], fraction: Double) -> ClosedRange<Double> {
  guard let lo = values.min(), let hi = values.max() else { return 0...1 }
  if hi - lo >= Ticks.minimumSpan(lo, hi) {
    let pad = (hi - lo) * fraction
    return (lo - pad)...(hi + pad)
  }
  let pad = abs(lo) * 0.1 >= Ticks.minimumSpan(lo, hi) ? abs(lo) * 0.1 : 1
  return (lo - pad)...(hi + pad)
}

/// Sizes that every layout shares, in pixels.
struct Metrics {
  /// The base character height.
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
  func titleHeight(_ title: String, width: Double, firstLineScale: Double = 1.25) -> Double {
    titlePlacement(title, width: width, firstLineScale: firstLineScale).last.map {
      $0.centre + 0.5 * font * $0.scale + pad
    } ?? pad
  }

  /// For each title line from the bottom one up: the line, its text scale (shrunk to fit
  /// `width` pixels) and the distance of its centre above the frame in pixels.
  ///
  /// A line that would not fit even at 0.6 of its scale is wrapped at spaces into lines
  /// that fit at its scale, so no title is clipped by the image's edge.
  /// - Parameter firstLineScale: the text scale of the first line (the title proper);
  ///   a subtitle line gets 1.
  func titlePlacement(_ title: String, width: Double, firstLineScale: Double = 1.25) -> [(
    line: String, scale: Double, centre: Double
  )] {
    let given = title.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      .filter { !$0.isEmpty }
    let lines = given.enumerated().flatMap { i, line in
      let nominal = i == 0 ? firstLineScale : 1.0
      return wrapped(line, width: width, scale: nominal).map { (line: $0, nominal: nominal) }
    }
    var y = 0.8 * em
    var out: [(line: String, scale: Double, centre: Double)] = []
    for (line, nominal) in lines.reversed() {
      let natural = textWidth(line, scale: nominal)
      let scale = natural > width ? max(0.6, nominal * width / natural) : nominal
      let h = font * scale
      out.append((line, scale, y + h / 2))
      y += h + 0.25 * em
    }
    return out
  }

  /// A line as it is, when it fits `width` pixels at 0.6 of `scale`; otherwise its words
  /// filled greedily into lines that fit at `scale` (a single over-long word stays whole),
  /// at most `maxLines` of them: the last takes the rest (shrunk, and clipped if need be), so
  /// no title, however long, pushes the frame off the image.
  func wrapped(_ line: String, width: Double, scale: Double, maxLines: Int = 4) -> [String] {
    guard textWidth(line, scale: 0.6 * scale) > width else { return [line] }
    var out: [String] = []
    var current = ""
    for word in line.split(separator: " ") {
      let candidate = current.isEmpty ? String(word) : current + " " + word
      if current.isEmpty || textWidth(candidate, scale: scale) <= width {
        current = candidate
      } else {
        out.append(current)
        current = String(word)
      }
    }
    if !current.isEmpty { out.append(current) }
    if out.count > maxLines {
      out = Array(out.prefix(maxLines - 1)) + [out[(maxLines - 1)...].joined(separator: " ")]
    }
    return out
  }
}

extension Canvas {
  /// Draws a one- or two-line title centred above the current viewport.
  ///
  /// - Parameters:
  ///   - width: the room for the longest line, in pixels.
  ///   - firstLineScale: the text scale of the first line.
  func drawTitle(
    _ title: String, width: Double, firstLineScale: Double = 1.25, metrics m: Metrics
  ) {
    use(.ink)
    for place in m.titlePlacement(title, width: width, firstLineScale: firstLineScale) {
      textScale(place.scale)
      c_plmtex("t", place.centre / (m.em * place.scale), 0.5, 0.5, place.line)
    }
    textScale(1)
  }

  /// The room for a title centred over a frame spanning `left...right` pixels.
  func titleWidth(left: Double, right: Double, metrics m: Metrics) -> Double {
    let centre = (left + right) / 2
    return 2 * min(centre, Double(size.width) - centre) - 2 * m.pad
  }

  /// Draws tick labels along one side ("b", "l" or "r") of the current viewport; along
  /// the bottom they run downwards from the axis when `vertical`.
  func drawTickLabels(
    _ ticks: Ticks, range: ClosedRange<Double>, side: String, color tickColor: PlotColor = .ink,
    vertical: Bool = false, metrics m: Metrics
  ) {
    color(tickColor)
    let span = range.upperBound - range.lowerBound
    let disp = (m.tick + m.gap) / m.em
    for v in ticks.values {
      let pos = (v - range.lowerBound) / span
      guard pos >= -1e-9 && pos <= 1 + 1e-9 else { continue }
      let label = ticks.label(v)
      switch side {
      case "b" where vertical: c_plmtex("bv", disp, pos, 1.0, label)
      case "b": c_plmtex("b", disp + 1.0, pos, 0.5, label)
      case "l": c_plmtex("lv", disp, pos, 1.0, label)
      default: c_plmtex("rv", disp, pos, 0.0, label)
      }
    }
  }

  /// Draws a circle of radius `r` pixels centred on the pixel (`column`, `row`).
  func circle(
    column: Double, row: Double, radius r: Double, fill: PlotColor?, outline: PlotColor,
    outlineWidth: Double
  ) {
    circles(
      [(column, row)], radius: r, fill: fill, outline: outline, outlineWidth: outlineWidth)
  }

  /// Draws circles of radius `r` pixels centred on the given pixels, clipped to the frame.
  func circles(
    _ centres: [(Double, Double)], radius r: Double, fill: PlotColor?, outline: PlotColor,
    outlineWidth: Double
  ) {
    let n = max(12, min(48, Int(4 * r)))
    let unit = (0...n).map { k in
      let a = 2 * Double.pi * Double(k) / Double(n)
      return (cos(a), sin(a))
    }
    let h = Double(size.height)
    pageCoordinates {
      for (column, row) in centres {
        let xs = unit.map { column + r * $0.0 }
        let ys = unit.map { h - (row + r * $0.1) }
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
  }

  /// Runs `body` with the viewport clipped to `clip` (pixel edges) and world coordinates
  /// equal to pixels with y up, then restores the viewport and window.
  func pageCoordinates(
    clip: (left: Double, right: Double, top: Double, bottom: Double)? = nil, _ body: () -> Void
  ) {
    var vx0 = 0.0
    var vx1 = 0.0
    var vy0 = 0.0
    var vy1 = 0.0
    var wx0 = 0.0
    var wx1 = 0.0
    var wy0 = 0.0
    var wy1 = 0.0
    c_plgvpd(&vx0, &vx1, &vy0, &vy1)
    c_plgvpw(&wx0, &wx1, &wy0, &wy1)
    let w = Double(size.width)
    let h = Double(size.height)
    let c = clip ?? (vx0 * w, vx1 * w, (1 - vy1) * h, (1 - vy0) * h)
    c_plvpor(c.left / w, c.right / w, 1 - c.bottom / h, 1 - c.top / h)
    c_plwind(c.left, c.right, h - c.bottom, h - c.top)
    body()
    c_plvpor(vx0, vx1, vy0, vy1)
    c_plwind(wx0, wx1, wy0, wy1)
  }
}

/// Points, in pixels, already covered by ink: labels and the legend keep clear of them.
struct Obstacles {
  private(set) var points: [(x: Double, y: Double, weight: Double)] = []

  /// Adds a polyline given in pixels, sampled every 3 pixels.
  mutating func addPolyline(_ pts: [(Double, Double)], weight: Double = 1) {
    guard let first = pts.first else { return }
    points.append((first.0, first.1, weight))
    for (a, b) in zip(pts, pts.dropFirst()) {
      let length = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
      guard length.isFinite else { continue }
      let n = min(2000, max(1, Int(length / 3)))
      for k in 1...n {
        let f = Double(k) / Double(n)
        points.append((a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), weight))
      }
    }
  }

  /// Adds a filled rectangle centred on `centre`, sampled every 4 pixels.
  mutating func addRect(centre: (Double, Double), width: Double, height: Double, weight: Double) {
    let nx = max(1, Int(width / 4))
    let ny = max(1, Int(height / 4))
    for i in 0...nx {
      for j in 0...ny {
        points.append(
          (
            centre.0 - width / 2 + width * Double(i) / Double(nx),
            centre.1 - height / 2 + height * Double(j) / Double(ny), weight
          ))
      }
    }
  }

  /// The total weight inside the rectangle (pixel edges), grown by `margin` on each side.
  func cost(left: Double, right: Double, top: Double, bottom: Double, margin: Double = 2) -> Double
  {
    var sum = 0.0
    for p in points
    where p.x >= left - margin && p.x <= right + margin && p.y >= top - margin
      && p.y <= bottom + margin
    {
      sum += p.weight
    }
    return sum
  }
}

// MARK: - Legend

/// One legend row.
struct LegendEntry {
  enum Sample {
    case line(PlotColor, LineDash, width: Double)
    case symbol(PlotColor, glyph: String, scale: Double, count: Int)
    /// A filled swatch (a shaded band, a heat map category).
    case box(PlotColor)
  }
  let text: String
  let sample: Sample

  init(text: String, sample: Sample) {
    self.text = text
    self.sample = sample
  }

  /// The entry for a named series.
  init(_ s: Series) {
    switch s.style.stroke {
    case .line(let d, let width):
      self.init(text: s.name, sample: .line(s.style.color, d, width: width))
    case .points(let radius):
      self.init(
        text: s.name,
        sample: .symbol(s.style.color, glyph: "●", scale: min(1.2, max(0.5, radius / 5)), count: 3))
    }
  }
}

/// Where a legend sits inside a frame, in pixels.
struct LegendPlan {
  static let textScale = 0.9
  static let spacing = 1.9
  static let inset = (x: 0.018, y: 0.025)

  let entries: [LegendEntry]
  let corner: LegendPosition
  /// Estimated box (pixel edges).
  let left: Double, right: Double, top: Double, bottom: Double

  /// The estimated pixel size of the legend box for `entries`.
  static func size(_ entries: [LegendEntry], metrics m: Metrics, page: PlotSize) -> (
    width: Double, height: Double
  ) {
    let aspect = Double(page.width) / Double(page.height)
    let text = entries.map { m.textWidth($0.text, scale: textScale) }.max() ?? 0
    let width = sampleWidth(m) + text + (0.8 + 1.0) * m.em * aspect
    return (width, Double(entries.count) * spacing * m.em)
  }

  static func sampleWidth(_ m: Metrics) -> Double { 3.0 * m.em }

  /// The legend box in `corner` of `frame` for a box of `size` pixels.
  static func box(
    corner: LegendPosition, size: (width: Double, height: Double), frame: PlotFrame
  ) -> (left: Double, right: Double, top: Double, bottom: Double) {
    let fw = frame.right - frame.left
    let fh = frame.bottom - frame.top
    let isLeft = corner == .upperLeft || corner == .lowerLeft
    let isTop = corner == .upperLeft || corner == .upperRight || corner == .automatic
    let left = isLeft ? frame.left + inset.x * fw : frame.right - inset.x * fw - size.width
    let top = isTop ? frame.top + inset.y * fh : frame.bottom - inset.y * fh - size.height
    return (left, left + size.width, top, top + size.height)
  }

  /// Picks the corner for `position` given the ink already in `obstacles`.
  init(
    _ entries: [LegendEntry], position: LegendPosition, frame: PlotFrame, obstacles: Obstacles,
    metrics m: Metrics, page: PlotSize
  ) {
    self.entries = entries
    let size = LegendPlan.size(entries, metrics: m, page: page)
    var corner = position
    if position == .automatic {
      let candidates: [LegendPosition] = [.upperRight, .upperLeft, .lowerRight, .lowerLeft]
      let costs = candidates.map { c in
        let b = LegendPlan.box(corner: c, size: size, frame: frame)
        return obstacles.cost(left: b.left, right: b.right, top: b.top, bottom: b.bottom, margin: 4)
      }
      corner = candidates[costs.indices.min { costs[$0] < costs[$1] }!]
    }
    self.corner = corner
    let b = LegendPlan.box(corner: corner, size: size, frame: frame)
    (left, right, top, bottom) = (b.left, b.right, b.top, b.bottom)
  }

  /// The cost of the chosen corner: zero when the legend covers nothing.
  func cost(_ obstacles: Obstacles) -> Double {
    obstacles.cost(left: left, right: right, top: top, bottom: bottom, margin: 4)
  }
}

extension Canvas {
  /// Draws the legend of `plan` inside `frame`: box and text by pllegend, line samples
  /// here (so their dashes match the curves at any size).
  func drawLegend(_ plan: LegendPlan, frame: PlotFrame, metrics m: Metrics) {
    let entries = plan.entries
    guard !entries.isEmpty, plan.corner != .hidden else { return }
    let frameWidth = frame.right - frame.left
    let frameHeight = frame.bottom - frame.top
    let (width, height) = drawLegendBox(plan, frameWidth: frameWidth, metrics: m)
    // The actual box, from the size pllegend reports; rows are evenly spaced in it.
    let box = LegendPlan.box(
      corner: plan.corner, size: (width * frameWidth, height * frameHeight), frame: frame)
    let border = 0.4 * m.em * Double(size.width) / Double(size.height)
    let rowHeight = height * frameHeight / Double(entries.count)
    let sampleWidth = LegendPlan.sampleWidth(m)
    pageCoordinates(clip: (0, Double(size.width), 0, Double(size.height))) {
      let h = Double(size.height)
      for (i, entry) in entries.enumerated() {
        guard case .line(let c, let d, let w) = entry.sample else { continue }
        let row = box.top + (Double(i) + 0.5) * rowHeight
        color(c)
        lineWidth(w)
        dash(d)
        polyline([box.left + border, box.left + border + sampleWidth], [h - row, h - row])
      }
      dash(.solid)
    }
  }

  /// The background and text colours of a legend: light samples (e.g. white lines over a
  /// heat map) get a dark box. The box is translucent, so that a curve under a legend that
  /// found no empty corner still shows.
  private func legendColors(_ entries: [LegendEntry]) -> (text: PLINT, background: PLINT) {
    func isLight(_ c: PlotColor) -> Bool {
      0.299 * Double(c.red) + 0.587 * Double(c.green) + 0.114 * Double(c.blue) > 200
    }
    let dark = entries.contains { entry in
      switch entry.sample {
      case .line(let c, _, _), .symbol(let c, _, _, _): isLight(c)
      case .box: false
      }
    }
    let background = ColorTable.Fixed.legend.rawValue
    colors.set(background, dark ? PlotColor(hex: 0x3A3A3A) : .white, alpha: 0.8)
    return (dark ? colors.index(of: .white) : ColorTable.Fixed.ink.rawValue, background)
  }

  /// Draws the box, texts, symbols and swatches of a legend with pllegend and returns the
  /// box's size as fractions of the frame.
  private func drawLegendBox(_ plan: LegendPlan, frameWidth: Double, metrics m: Metrics)
    -> (width: Double, height: Double)
  {
    let entries = plan.entries
    let (textColor, background) = legendColors(entries)
    var position = PLINT(PL_POSITION_INSIDE | PL_POSITION_VIEWPORT)
    switch plan.corner {
    case .upperLeft: position |= PLINT(PL_POSITION_TOP | PL_POSITION_LEFT)
    case .lowerLeft: position |= PLINT(PL_POSITION_BOTTOM | PL_POSITION_LEFT)
    case .lowerRight: position |= PLINT(PL_POSITION_BOTTOM | PL_POSITION_RIGHT)
    default: position |= PLINT(PL_POSITION_TOP | PL_POSITION_RIGHT)
    }
    let n = entries.count
    var options = [PLINT](repeating: PLINT(PL_LEGEND_NONE), count: n)
    var textColors = [PLINT](repeating: textColor, count: n)
    var symbolColors = [PLINT](repeating: 1, count: n)
    var symbolScales = [PLFLT](repeating: 1, count: n)
    var symbolNumbers = [PLINT](repeating: 1, count: n)
    var boxColors = [PLINT](repeating: 0, count: n)
    var boxPatterns = [PLINT](repeating: 0, count: n)
    var boxScales = [PLFLT](repeating: 0.9, count: n)
    var boxLineWidths = [PLFLT](repeating: 1, count: n)
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
      if case .symbol(let c, _, let s, let count) = entry.sample {
        options[i] = PLINT(PL_LEGEND_SYMBOL)
        symbolColors[i] = colors.index(of: c)
        symbolScales[i] = s
        symbolNumbers[i] = PLINT(count)
      }
      if case .box(let c) = entry.sample {
        options[i] = PLINT(PL_LEGEND_COLOR_BOX)
        boxColors[i] = colors.index(of: c)
      }
    }
    var width: PLFLT = 0
    var height: PLFLT = 0
    textScale(1)
    c_plwidth(max(0.5, scale))
    dash(.solid)
    texts.withUnsafeBufferPointer { textPointers in
      glyphs.withUnsafeBufferPointer { glyphPointers in
        textPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { t in
          glyphPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { g in
            c_pllegend(
              &width, &height,
              PLINT(PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX), position,
              LegendPlan.inset.x, LegendPlan.inset.y, LegendPlan.sampleWidth(m) / frameWidth,
              background, ColorTable.Fixed.border.rawValue, 1,
              0, 0, PLINT(n), &options,
              1.0, LegendPlan.textScale, LegendPlan.spacing, 0.0,
              &textColors, t.baseAddress,
              &boxColors, &boxPatterns, &boxScales, &boxLineWidths,
              nil, nil, nil,
              &symbolColors, &symbolScales, &symbolNumbers, g.baseAddress)
          }
        }
      }
    }
    return (width, height)
  }
}
