import _CPLplot

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The layout and drawing of each figure kind. Every call here runs inside a Plotter session.

/// Marker radii in pixels at 1200x800.
private let emphasizedRadius = 7.5
private let plainRadius = 6.0

// MARK: - Line chart

extension LineChart {
  /// The axis ranges and the frame they are drawn in.
  private struct Layout {
    var x: ClosedRange<Double>
    var left: ClosedRange<Double>
    var right: ClosedRange<Double>?
    var xTicks: Ticks
    var leftTicks: Ticks
    var rightTicks: Ticks?
    var leftTickWidth: Double
    var rightTickWidth: Double
    var frame: PlotFrame
  }

  private func data(_ axis: YAxis) -> [Double] {
    series.filter { $0.axis == axis }.flatMap(\.ys) + markers.filter { $0.axis == axis }.map(\.y)
  }

  /// Ranges, ticks and margins for the given y ranges.
  private func layout(
    left: ClosedRange<Double>, right: ClosedRange<Double>?, canvas: Canvas, metrics m: Metrics
  ) -> Layout {
    let allX = series.flatMap(\.xs) + markers.map(\.x) + guides.map(\.x)
    let x = xRange ?? paddedRange(allX, fraction: 0.02)
    let xTicks = Ticks(x, target: 7)
    let leftTicks = Ticks(left, target: 6)
    let rightTicks = right.map { Ticks($0, target: 6) }
    let leftTickWidth = leftTicks.values.map { m.textWidth(leftTicks.label($0)) }.max() ?? m.em
    let rightTickWidth =
      rightTicks.map { t in t.values.map { m.textWidth(t.label($0)) }.max() ?? m.em } ?? 0
    let axisLabel = 1.6 * m.em
    let marginLeft = m.pad + axisLabel + m.gap + leftTickWidth + m.gap + m.tick
    let lastX = xTicks.values.last.map { m.textWidth(xTicks.label($0)) / 2 } ?? 0
    let marginRight =
      right != nil
      ? m.pad + axisLabel + m.gap + rightTickWidth + m.gap + m.tick
      : max(1.5 * m.em, lastX + m.pad)
    let w = Double(canvas.size.width)
    let h = Double(canvas.size.height)
    let titleRoom = canvas.titleWidth(left: marginLeft, right: w - marginRight, metrics: m)
    let marginTop = m.titleHeight(title, width: titleRoom)
    let marginBottom = m.pad + axisLabel + m.gap + m.font + m.gap + m.tick
    func snap(_ v: Double) -> Double { v.rounded(.down) + 0.5 }
    let frame = PlotFrame(
      left: snap(marginLeft), right: snap(w - marginRight), top: snap(marginTop),
      bottom: snap(h - marginBottom), xRange: x, leftRange: left, rightRange: right)
    return Layout(
      x: x, left: left, right: right, xTicks: xTicks, leftTicks: leftTicks,
      rightTicks: rightTicks, leftTickWidth: leftTickWidth, rightTickWidth: rightTickWidth,
      frame: frame)
  }

  /// The curves, markers, guides and guide labels as pixel obstacles in `frame`.
  private func dataObstacles(_ frame: PlotFrame, scale: Double, metrics m: Metrics) -> Obstacles {
    var o = Obstacles()
    for g in guides where frame.xRange.contains(g.x) {
      let column = frame.column(x: g.x)
      o.addPolyline([(column, frame.top), (column, frame.bottom)], weight: 0.5)
      guard !g.label.isEmpty else { continue }
      let labelWidth = m.textWidth(g.label, scale: 0.85)
      let onLeft = column + 0.4 * m.em + labelWidth > frame.right - 0.3 * m.em
      let cx = onLeft ? column - 0.4 * m.em - labelWidth / 2 : column + 0.4 * m.em + labelWidth / 2
      o.addRect(
        centre: (cx, frame.top + 1.2 * m.em), width: labelWidth, height: 0.85 * m.font, weight: 2)
    }
    for s in series {
      let pts = zip(s.xs, s.ys).map { (frame.column(x: $0.0), frame.row(y: $0.1, axis: s.axis)) }
      switch s.style.stroke {
      case .line: o.addPolyline(pts)
      case .points(let r):
        for p in pts {
          o.addRect(centre: p, width: 2 * r * scale, height: 2 * r * scale, weight: 1)
        }
      }
    }
    for mark in markers {
      let r = (mark.isEmphasized ? emphasizedRadius : plainRadius) * scale
      o.addRect(
        centre: (frame.column(x: mark.x), frame.row(y: mark.y, axis: mark.axis)),
        width: 2 * r, height: 2 * r, weight: 5)
    }
    return o
  }

  private var legendEntries: [LegendEntry] {
    var entries = series.filter { !$0.name.isEmpty }.map(LegendEntry.init)
    var labels: Set<String> = []
    for band in bands where !band.label.isEmpty && labels.insert(band.label).inserted {
      entries.append(LegendEntry(text: band.label, sample: .box(band.color)))
    }
    if markers.contains(where: \.isEmphasized) {
      entries.append(
        LegendEntry(text: "global minimum", sample: .symbol(.ink, glyph: "●", scale: 1.0, count: 1))
      )
    }
    if markers.contains(where: { !$0.isEmphasized }) {
      entries.append(
        LegendEntry(text: "local minimum", sample: .symbol(.ink, glyph: "○", scale: 1.0, count: 1)))
    }
    return legend == .hidden ? [] : entries
  }

  /// Draws the chart on an initialised stream and returns where its plot area is.
  func draw(on canvas: Canvas) throws(PlotError) -> PlotFrame {
    let m = Metrics(em: canvas.em)
    let (lay, plan) = arrange(canvas: canvas, metrics: m)
    let frame = lay.frame
    c_pladv(0)
    _ = canvas.viewport(
      left: frame.left, right: Double(canvas.size.width) - frame.right, top: frame.top,
      bottom: Double(canvas.size.height) - frame.bottom)
    let axes = Axes(frame: frame, left: lay.left, right: lay.right)

    // Guides are added as they are drawn, their labels possibly moved below the legend.
    var obstacles = LineChart(
      title: title, xLabel: xLabel, leftLabel: leftLabel, rightLabel: rightLabel,
      series: series, markers: markers, guides: []
    ).dataObstacles(frame, scale: canvas.scale, metrics: m)
    if !plan.entries.isEmpty {
      obstacles.addRect(
        centre: ((plan.left + plan.right) / 2, (plan.top + plan.bottom) / 2),
        width: plan.right - plan.left + 8, height: plan.bottom - plan.top + 8, weight: 50)
    }

    axes.window(.left)
    drawBands(on: canvas, axes: axes)
    canvas.use(.grid)
    canvas.lineWidth(1)
    canvas.dash(.solid)
    c_plbox("g", lay.xTicks.step, 0, "g", lay.leftTicks.step, 0)
    drawGuides(on: canvas, axes: axes, legend: plan, obstacles: &obstacles, metrics: m)
    // Lines below the markers, dots (trajectories) above them, so that none hides.
    for s in series where !s.style.isPoints {
      axes.window(s.axis)
      canvas.stroke(s, frame: frame)
    }
    drawMarkers(on: canvas, axes: axes, obstacles: &obstacles, metrics: m)
    for s in series where s.style.isPoints {
      axes.window(s.axis)
      canvas.stroke(s, frame: frame)
    }
    drawAxes(on: canvas, layout: lay, metrics: m)
    axes.window(.left)
    canvas.drawLegend(plan, frame: frame, metrics: m)
    return frame
  }

  /// The layout and the legend: the legend goes in the emptiest corner; if every corner
  /// covers data and the y ranges are automatic, the ranges grow to make room above the
  /// data, but never so far that the data keep less than 60% of the frame's height.
  private func arrange(canvas: Canvas, metrics m: Metrics) -> (Layout, LegendPlan) {
    let leftData = data(.left)
    let autoLeft = paddedRange(leftData.isEmpty ? data(.right) : leftData, fraction: 0.06)
    let autoRight: ClosedRange<Double>? =
      rightLabel != nil ? paddedRange(data(.right), fraction: 0.06) : nil
    var lay = layout(
      left: leftRange ?? autoLeft, right: rightLabel != nil ? (rightRange ?? autoRight) : nil,
      canvas: canvas, metrics: m)
    let entries = legendEntries
    func plan(_ lay: Layout) -> LegendPlan {
      LegendPlan(
        entries, position: legend, frame: lay.frame,
        obstacles: dataObstacles(lay.frame, scale: canvas.scale, metrics: m), metrics: m,
        page: canvas.size)
    }
    var chosen = plan(lay)
    let canGrow = leftRange == nil && (rightLabel == nil || rightRange == nil)
    guard
      !entries.isEmpty && legend == .automatic
        && chosen.cost(dataObstacles(lay.frame, scale: canvas.scale, metrics: m)) > 0
    else { return (lay, chosen) }
    let size = LegendPlan.size(entries, metrics: m, page: canvas.size)
    let frameHeight = lay.frame.bottom - lay.frame.top
    let room = 1 - (size.height + 0.8 * m.em) / frameHeight - LegendPlan.inset.y
    // Else the legend stays in the emptiest corner, its background translucent.
    guard canGrow && room >= LineChart.minimumDataHeight else { return (lay, chosen) }
    func grown(_ r: ClosedRange<Double>, _ values: [Double]) -> ClosedRange<Double> {
      guard let top = values.max() else { return r }
      let lo = r.lowerBound
      return lo...max(r.upperBound, lo + (top - lo) / room)
    }
    let left = grown(autoLeft, leftData.isEmpty ? data(.right) : leftData)
    let right = autoRight.map { grown($0, data(.right)) }
    lay = layout(left: left, right: right, canvas: canvas, metrics: m)
    chosen = plan(lay)
    return (lay, chosen)
  }

  /// The least fraction of the frame's height the data keep when the legend makes room.
  static let minimumDataHeight = 0.6

  /// Shaded x intervals behind everything else.
  private func drawBands(on canvas: Canvas, axes: Axes) {
    let y = axes.left
    for band in bands {
      let lo = max(band.range.lowerBound, axes.frame.xRange.lowerBound)
      let hi = min(band.range.upperBound, axes.frame.xRange.upperBound)
      guard lo < hi else { continue }
      canvas.color(band.color)
      canvas.polygon([lo, hi, hi, lo], [y.lowerBound, y.lowerBound, y.upperBound, y.upperBound])
    }
  }

  /// Guides, below the data; labels at the top, or under the legend if it is in the way.
  private func drawGuides(
    on canvas: Canvas, axes: Axes, legend plan: LegendPlan, obstacles: inout Obstacles,
    metrics m: Metrics
  ) {
    let frame = axes.frame
    for g in guides where frame.xRange.contains(g.x) {
      canvas.use(.guide)
      canvas.lineWidth(1.6)
      canvas.dash(.dashed)
      canvas.polyline([g.x, g.x], [axes.left.lowerBound, axes.left.upperBound])
      canvas.dash(.solid)
      let column = frame.column(x: g.x)
      obstacles.addPolyline([(column, frame.top), (column, frame.bottom)], weight: 0.5)
      guard !g.label.isEmpty else { continue }
      let labelWidth = m.textWidth(g.label, scale: 0.85)
      let labelHeight = 0.85 * m.font
      let onLeft = column + 0.4 * m.em + labelWidth > frame.right - 0.3 * m.em
      let cx = onLeft ? column - 0.4 * m.em - labelWidth / 2 : column + 0.4 * m.em + labelWidth / 2
      var cy = frame.top + 1.2 * m.em
      let hitsLegend =
        !plan.entries.isEmpty && cx + labelWidth / 2 >= plan.left
        && cx - labelWidth / 2 <= plan.right && cy - labelHeight / 2 <= plan.bottom
        && cy + labelHeight / 2 >= plan.top
      if hitsLegend && plan.top < frame.top + (frame.bottom - frame.top) / 2 {
        cy = plan.bottom + 0.6 * m.em + labelHeight / 2
      }
      obstacles.addRect(centre: (cx, cy), width: labelWidth, height: labelHeight, weight: 5)
      let anchor = axes.world(onLeft ? column - 0.4 * m.em : column + 0.4 * m.em, cy, .left)
      canvas.use(.muted)
      canvas.textScale(0.85)
      c_plptex(anchor.0, anchor.1, 1, 0, onLeft ? 1 : 0, g.label)
      canvas.textScale(1)
    }
  }

  /// Markers: global minima as large filled dots, local minima as hollow ones, each
  /// with its label where it covers the least ink.
  private func drawMarkers(
    on canvas: Canvas, axes: Axes, obstacles: inout Obstacles, metrics m: Metrics
  ) {
    let frame = axes.frame
    for mark in markers {
      let column = frame.column(x: mark.x)
      let row = frame.row(y: mark.y, axis: mark.axis)
      let inside =
        column >= frame.left - 0.5 && column <= frame.right + 0.5 && row >= frame.top - 0.5
        && row <= frame.bottom + 0.5
      guard inside else { continue }
      let radius = (mark.isEmphasized ? emphasizedRadius : plainRadius) * canvas.scale
      if mark.isEmphasized {
        canvas.circle(
          column: column, row: row, radius: radius, fill: mark.color, outline: .ink,
          outlineWidth: 1.5 * canvas.scale)
      } else {
        canvas.circle(
          column: column, row: row, radius: radius, fill: .white, outline: mark.color,
          outlineWidth: 2.5 * canvas.scale)
      }
      guard !mark.label.isEmpty,
        let centre = labelPlace(
          mark.label, around: (column, row), radius: radius, frame: frame, obstacles: obstacles,
          metrics: m)
      else { continue }
      obstacles.addRect(
        centre: centre, width: m.textWidth(mark.label, scale: 0.9), height: 0.9 * m.font,
        weight: 20)
      axes.window(mark.axis)
      let anchor = axes.world(centre.0, centre.1, mark.axis)
      canvas.use(.ink)
      canvas.textScale(0.9)
      c_plptex(anchor.0, anchor.1, 1, 0, 0.5, mark.label)
      canvas.textScale(1)
    }
  }

  /// The centre of a marker label near the dot at `point`, inside the frame, where it
  /// covers the least ink (nil when no place fits).
  private func labelPlace(
    _ label: String, around point: (Double, Double), radius: Double, frame: PlotFrame,
    obstacles: Obstacles, metrics m: Metrics
  ) -> (Double, Double)? {
    let (column, row) = point
    let w = m.textWidth(label, scale: 0.9)
    let h = 0.9 * m.font
    var best: (Double, Double)? = nil
    var bestCost = Double.infinity
    for distance in [1.0, 2.0] {
      let away = radius + 0.35 * m.em * distance
      let diagonal = away * 0.8
      let candidates = [
        (column, row - away - h / 2), (column, row + away + h / 2),
        (column + away + w / 2, row), (column - away - w / 2, row),
        (column - diagonal - w / 2, row - diagonal - h / 2),
        (column + diagonal + w / 2, row - diagonal - h / 2),
        (column - diagonal - w / 2, row + diagonal + h / 2),
        (column + diagonal + w / 2, row + diagonal + h / 2),
      ]
      for (index, (cx0, cy)) in candidates.enumerated() {
        let lo = frame.left + w / 2 + 0.3 * m.em
        let hi = frame.right - w / 2 - 0.3 * m.em
        let cx = lo <= hi ? min(max(cx0, lo), hi) : cx0
        guard cy - h / 2 >= frame.top + 0.2 * m.em, cy + h / 2 <= frame.bottom - 0.2 * m.em
        else { continue }
        // Prefer the first candidates and the near ring when costs tie.
        let cost =
          obstacles.cost(left: cx - w / 2, right: cx + w / 2, top: cy - h / 2, bottom: cy + h / 2)
          + 0.01 * Double(index) + (distance > 1 ? 3 : 0)
        if cost < bestCost {
          bestCost = cost
          best = (cx, cy)
        }
      }
    }
    return best
  }

  /// The colour of the right axis: that of its lines when they share one, else ink.
  var rightAxisColor: PlotColor {
    let colors = Set(series.filter { $0.axis == .right && !$0.style.isPoints }.map(\.style.color))
    return colors.count == 1 ? colors.first! : .ink
  }

  /// Frame, ticks, tick labels, axis labels and title.
  private func drawAxes(on canvas: Canvas, layout lay: Layout, metrics m: Metrics) {
    let frame = lay.frame
    let axes = Axes(frame: frame, left: lay.left, right: lay.right)
    axes.window(.left)
    canvas.drawAxes(
      x: lay.xTicks, y: lay.leftTicks, frame: frame, yRange: lay.left,
      closed: lay.right == nil, metrics: m)
    canvas.drawAxisLabels(
      x: xLabel, y: leftLabel, yTickWidth: lay.leftTickWidth, metrics: m)
    if let right = lay.right, let rightTicks = lay.rightTicks {
      axes.window(.right)
      canvas.drawRightAxis(
        rightTicks, range: right, label: rightLabel ?? "", tickWidth: lay.rightTickWidth,
        color: rightAxisColor, metrics: m)
    }
    canvas.drawTitle(
      title, width: canvas.titleWidth(left: frame.left, right: frame.right, metrics: m), metrics: m)
  }
}

/// The world coordinates of a line chart's frame, for either y axis.
private struct Axes {
  let frame: PlotFrame
  let left: ClosedRange<Double>
  let right: ClosedRange<Double>?

  func range(_ axis: YAxis) -> ClosedRange<Double> { (axis == .right ? right : nil) ?? left }

  /// Sets PLplot's window to the x range and the y range of `axis`.
  func window(_ axis: YAxis) {
    let y = range(axis)
    c_plwind(frame.xRange.lowerBound, frame.xRange.upperBound, y.lowerBound, y.upperBound)
  }

  /// The world coordinates of the pixel (`column`, `row`) against `axis`.
  func world(_ column: Double, _ row: Double, _ axis: YAxis) -> (Double, Double) {
    let x = frame.xRange
    let y = range(axis)
    return (
      x.lowerBound + (column - frame.left) / (frame.right - frame.left)
        * (x.upperBound - x.lowerBound),
      y.lowerBound + (frame.bottom - row) / (frame.bottom - frame.top)
        * (y.upperBound - y.lowerBound)
    )
  }
}

extension SeriesStyle {
  var isPoints: Bool {
    if case .points = stroke { return true }
    return false
  }
}

extension Canvas {
  /// Sets the viewport to the pixel edges of `frame` and the window to 0...1 both ways.
  func viewport(of frame: PlotFrame) {
    let w = Double(size.width)
    let h = Double(size.height)
    c_plvpor(
      max(0, frame.left / w), min(1, frame.right / w), 1 - frame.bottom / h, 1 - frame.top / h)
    c_plwind(0, 1, 0, 1)
  }

  /// Strokes a series in the current window: a dashed or solid line, or dots with a thin
  /// white rim (so that dots on a marker of a similar colour still show).
  func stroke(_ s: Series, frame: PlotFrame) {
    switch s.style.stroke {
    case .line(let d, let width):
      color(s.style.color)
      lineWidth(width)
      dash(d)
      polyline(s.xs, s.ys)
      dash(.solid)
    case .points(let radius):
      circles(
        zip(s.xs, s.ys).map { (frame.column(x: $0.0), frame.row(y: $0.1, axis: s.axis)) },
        radius: radius * scale, fill: s.style.color, outline: .white, outlineWidth: 0.8 * scale)
    }
  }

  /// The frame box with outward ticks (closed: on the right too; `ticksOpposite` false:
  /// none on the top and right edges) and the bottom and left tick labels, in ink.
  ///
  /// - Parameter verticalX: the bottom tick labels run downwards from the axis.
  func drawAxes(
    x: Ticks, y: Ticks, frame: PlotFrame, yRange: ClosedRange<Double>, closed: Bool,
    ticksOpposite: Bool = true, verticalX: Bool = false, metrics m: Metrics
  ) {
    use(.ink)
    c_plwidth(max(1.0, 1.3 * scale))
    dash(.solid)
    if ticksOpposite {
      c_plbox("bcti", x.step, 0, closed ? "bcti" : "bti", y.step, 0)
    } else {
      c_plbox("bti", x.step, 0, "bti", y.step, 0)
      let (x0, x1) = (frame.xRange.lowerBound, frame.xRange.upperBound)
      let (y0, y1) = (yRange.lowerBound, yRange.upperBound)
      polyline(closed ? [x0, x1, x1] : [x0, x1], closed ? [y1, y1, y0] : [y1, y1])
    }
    drawTickLabels(x, range: frame.xRange, side: "b", vertical: verticalX, metrics: m)
    drawTickLabels(y, range: yRange, side: "l", metrics: m)
  }

  /// The x label under the tick labels (`xTickHeight` tall, one line by default) and the
  /// y label left of them.
  func drawAxisLabels(
    x: String, y: String, yTickWidth: Double, xTickHeight: Double? = nil, metrics m: Metrics
  ) {
    use(.ink)
    let below = m.tick + m.gap + (xTickHeight ?? m.font) + m.gap + 0.85 * m.font
    c_plmtex("b", below / m.em, 0.5, 0.5, x)
    c_plmtex("l", (m.tick + m.gap + yTickWidth + m.gap + 0.6 * m.font) / m.em, 0.5, 0.5, y)
  }

  /// A right axis in `color`: its edge, ticks, tick labels and label (a colour bar's too).
  func drawRightAxis(
    _ ticks: Ticks, range: ClosedRange<Double>, label: String, tickWidth: Double,
    color axisColor: PlotColor, metrics m: Metrics
  ) {
    color(axisColor)
    c_plwidth(max(1.0, 1.3 * scale))
    dash(.solid)
    c_plbox("", 0, 0, "cti", ticks.step, 0)
    drawTickLabels(ticks, range: range, side: "r", color: axisColor, metrics: m)
    color(axisColor)
    c_plmtex("r", (m.tick + m.gap + tickWidth + m.gap + 0.95 * m.font) / m.em, 0.5, 0.5, label)
    use(.ink)
  }
}

// MARK: - Heat map

extension HeatMap {
  /// The colour of `value`: its category's, or viridis over `range`.
  func color(of value: Double, range: ClosedRange<Double>) -> PlotColor {
    if let categories {
      let i = categories.firstIndex { $0.value == value } ?? 0
      return HeatMap.categoryColor(i, of: categories.count)
    }
    return ColorMap.viridis.color(value, range: range)
  }

  /// The colour of category `i` of `n`: evenly spaced along viridis.
  static func categoryColor(_ i: Int, of n: Int) -> PlotColor {
    ColorMap.viridis.color(n > 1 ? Double(i) / Double(n - 1) : 0.5)
  }

  /// Draws the map on an initialised stream and returns where its plot area is.
  func draw(on canvas: Canvas) throws(PlotError) -> PlotFrame {
    let m = Metrics(em: canvas.em)
    let grid = CellGrid(values: values, xEdges: cellEdges(xs), yEdges: cellEdges(ys))
    let x = grid.xEdges[0]...grid.xEdges[grid.columns]
    let y = grid.yEdges[0]...grid.yEdges[grid.rows]
    let zRange = valueRange ?? paddedRange(values.filter(\.isFinite), fraction: 0)
    let xTicks = Ticks(x, target: 7)
    let yTicks = Ticks(y, target: 6)
    let zTicks = Ticks(zRange, target: 6)
    let key = keyEntries()

    let yTickWidth = yTicks.values.map { m.textWidth(yTicks.label($0)) }.max() ?? m.em
    let zTickWidth = zTicks.values.map { m.textWidth(zTicks.label($0)) }.max() ?? m.em
    let axisLabel = 1.6 * m.em
    let w = Double(canvas.size.width)
    let marginLeft = m.pad + axisLabel + m.gap + yTickWidth + m.gap + m.tick
    let marginRight =
      key.isEmpty
      ? ColorBar.room(tickWidth: zTickWidth, metrics: m)
      : ColorBar.gap(m)
        + max(
          LegendPlan.size(key, metrics: m, page: canvas.size).width,
          m.textWidth(colorBarLabel, scale: 0.9)) + m.pad
    let titleRoom = canvas.titleWidth(left: marginLeft, right: w - marginRight, metrics: m)
    let marginTop = m.titleHeight(title, width: titleRoom)
    let marginBottom = m.pad + axisLabel + m.gap + m.font + m.gap + m.tick

    c_pladv(0)
    let edges = canvas.viewport(
      left: marginLeft, right: marginRight, top: marginTop, bottom: marginBottom)
    let frame = PlotFrame(
      left: edges.left, right: edges.right, top: edges.top, bottom: edges.bottom,
      xRange: x, leftRange: y, rightRange: nil)
    c_plwind(x.lowerBound, x.upperBound, y.lowerBound, y.upperBound)
    canvas.drawCells(grid, frame: frame) { color(of: $0, range: zRange) }
    let obstacles = drawOverlays(on: canvas, frame: frame)
    c_plwind(x.lowerBound, x.upperBound, y.lowerBound, y.upperBound)
    canvas.drawAxes(x: xTicks, y: yTicks, frame: frame, yRange: y, closed: true, metrics: m)
    canvas.drawAxisLabels(x: xLabel, y: yLabel, yTickWidth: yTickWidth, metrics: m)
    canvas.drawTitle(title, width: titleRoom, metrics: m)

    let entries =
      legend == .hidden ? [] : overlays.filter { !$0.name.isEmpty }.map(LegendEntry.init)
    let plan = LegendPlan(
      entries, position: legend, frame: frame, obstacles: obstacles, metrics: m, page: canvas.size)
    canvas.drawLegend(plan, frame: frame, metrics: m)
    if key.isEmpty {
      canvas.drawColorBar(
        beside: frame, map: .viridis, range: zRange, ticks: zTicks, tickWidth: zTickWidth,
        label: colorBarLabel)
    } else {
      drawKey(key, on: canvas, frame: frame, metrics: m)
    }
    return frame
  }

  /// Strokes the overlay lines in the current window and returns them as obstacles for
  /// the legend.
  private func drawOverlays(on canvas: Canvas, frame: PlotFrame) -> Obstacles {
    var obstacles = Obstacles()
    for s in overlays {
      let pts = zip(s.xs, s.ys).map { (frame.column(x: $0.0), frame.row(y: $0.1)) }
      if s.style.isPoints {
        for p in pts { obstacles.addRect(centre: p, width: 6, height: 6, weight: 1) }
      } else {
        obstacles.addPolyline(pts)
      }
      canvas.stroke(s, frame: frame)
    }
    return obstacles
  }

  /// The discrete key of a categorical map: one swatch per category (empty without).
  private func keyEntries() -> [LegendEntry] {
    guard let categories else { return [] }
    return categories.enumerated().map { i, c in
      LegendEntry(
        text: c.label, sample: .box(HeatMap.categoryColor(i, of: categories.count)))
    }
  }

  /// The discrete key: a legend of swatches right of the frame, under the bar's label.
  private func drawKey(
    _ key: [LegendEntry], on canvas: Canvas, frame: PlotFrame, metrics m: Metrics
  ) {
    let size = LegendPlan.size(key, metrics: m, page: canvas.size)
    let left = frame.right + ColorBar.gap(m)
    let outer = PlotFrame(
      left: left, right: left + size.width / (1 - 2 * LegendPlan.inset.x), top: frame.top,
      bottom: frame.bottom, xRange: 0...1, leftRange: 0...1, rightRange: nil)
    canvas.viewport(of: outer)
    canvas.use(.ink)
    let room = Double(canvas.size.width) - m.pad - left
    let natural = m.textWidth(colorBarLabel, scale: 0.9)
    canvas.textScale(natural > room ? max(0.6, 0.9 * room / natural) : 0.9)
    c_plmtex("t", 0.6, 0, 0, colorBarLabel)
    canvas.textScale(1)
    let plan = LegendPlan(
      key, position: .upperLeft, frame: outer, obstacles: Obstacles(), metrics: m,
      page: canvas.size)
    canvas.drawLegend(plan, frame: outer, metrics: m)
  }
}
