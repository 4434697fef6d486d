import _CPLplot

// The layout and drawing of `CosinePanels`. Every PLplot call runs inside a Plotter session.

extension CosinePanels {
  /// The size the figure gets when none is asked for: the format's default, widened until
  /// the printed values are comfortably readable.
  ///
  /// Starting from `format.defaultSize` (1200x800 pixels, or 468x312 points), the width
  /// grows in steps of 5%, up to three times, until the values print at 0.7 of the
  /// tick-label size; failing that, the first width at which they print at all (0.6), and
  /// failing that (more than 20 columns, or rows too thin) the format's default. An
  /// invalid figure gets the format's default (drawing it throws).
  ///
  /// - Parameter format: the file format.
  public func defaultSize(for format: ImageFormat) -> PlotSize {
    let base = format.defaultSize
    guard (try? validate()) != nil, columnCount <= CosineLayout.maximumValueColumns else {
      return base
    }
    let widest = drawnPanels.map(\.widestValue)
    guard widest.contains(where: { $0 > 0 }) else { return base }
    var fallback: PlotSize? = nil
    for step in 0...40 {
      let size = PlotSize(width: base.width + base.width * step / 20, height: base.height)
      let scales = CosineLayout(self, size: size, widest: widest).valueScales
      // Every panel with something to print prints (all at one scale).
      guard let scale = scales.first(where: { $0 != nil }) ?? nil,
        zip(scales, widest).allSatisfy({ $0.0 != nil || $0.1 == 0 })
      else { continue }
      if scale >= CosineLayout.comfortableValueScale { return size }
      fallback = fallback ?? size
    }
    return fallback ?? base
  }

  /// The number of rows of every panel (vectors).
  var rowCount: Int { panels.first?.rows.count ?? 0 }
  /// The number of columns (directions).
  var columnCount: Int { panels.first?.rows.first?.count ?? 0 }
  /// True when the panels are bar charts (one row each).
  var isSingleRow: Bool { rowCount == 1 }
  /// True when the reference panel is drawn (heat maps only).
  var drawsReference: Bool { reference != nil && !isSingleRow }

  /// The panels drawn, left to right: `panels`, then the reference if it is drawn.
  var drawnPanels: [Panel] {
    guard drawsReference, let reference else { return panels }
    return panels + [reference]
  }

  /// The text printed for a cosine: two decimals, nothing when it would read 0.00.
  static func valueLabel(_ value: Double) -> String? {
    abs(value) < 0.005 ? nil : Ticks.fixed(value, decimals: 2)
  }

  /// Draws the figure on an initialised stream and returns the panels' frames, left to right.
  func draw(on canvas: Canvas) -> [PlotFrame] {
    let panels = drawnPanels
    let lay = CosineLayout(self, size: canvas.size, widest: panels.map(\.widestValue))
    let m = lay.metrics
    c_pladv(0)
    for (p, panel) in panels.enumerated() {
      let frame = lay.frames[p]
      let rows = lay.rowAxes[p]
      canvas.enter(frame)
      if isSingleRow {
        canvas.drawCosineBars(
          panel.rows[0], frame: frame, grid: lay.rowAxes[0].ticks, valueScale: lay.valueScales[p],
          metrics: m)
      } else {
        canvas.drawCosineCells(panel.rows, frame: frame, valueScale: lay.valueScales[p])
        canvas.drawRowNotes(panel.rowNotes, title: panel.notesTitle)
      }
      canvas.drawAxes(
        x: lay.columns.ticks, y: rows.ticks, frame: frame, yRange: frame.leftRange,
        closed: true, ticksOpposite: false, verticalX: lay.columns.isVertical, metrics: m)
      canvas.drawAxisLabels(
        x: columnLabel, y: lay.rowTitles[p], yTickWidth: rows.extent,
        xTickHeight: lay.columns.extent, metrics: m)
      canvas.drawTitle(
        panel.title, width: frame.right - frame.left + 1.5 * m.em,
        firstLineScale: CosineLayout.panelTitleScale, metrics: m)
    }
    if !isSingleRow, let last = lay.frames.last {
      canvas.drawColorBar(
        beside: last, map: .diverging, range: -1...1, ticks: lay.colorBar.ticks,
        tickWidth: lay.colorBar.extent, label: "cosine similarity")
    }
    if !title.isEmpty, let first = lay.frames.first, let last = lay.frames.last {
      canvas.enter(
        PlotFrame(
          left: first.left, right: last.right, top: first.top - lay.panelTitleRoom,
          bottom: first.bottom, xRange: 0...1, leftRange: 0...1, rightRange: nil))
      canvas.drawTitle(title, width: lay.titleWidth, metrics: m)
    }
    return lay.frames
  }
}

extension CosinePanels.Panel {
  /// The width of the widest printed value (`Canvas.estimatedWidth`, in font heights);
  /// 0 when nothing prints.
  var widestValue: Double {
    rows.joined().compactMap(CosinePanels.valueLabel).map(Canvas.estimatedWidth).max() ?? 0
  }
}

/// The tick labels along one side of a panel and the room they take.
struct AxisLabels {
  /// The labelled positions and their texts.
  let ticks: Ticks
  /// True when labels under the axis run downwards (names too wide to sit side by side).
  let isVertical: Bool
  /// How far the labels reach out from the axis, in pixels: their height under it (their
  /// length when vertical), their width left of it.
  let extent: Double
  /// True when the labels are the names given, false for indices or numbers.
  let isNamed: Bool

  /// Numeric labels left of an axis.
  init(numbers ticks: Ticks, metrics m: Metrics) {
    self.ticks = ticks
    isVertical = false
    extent = ticks.values.map { m.textWidth(ticks.label($0)) }.max() ?? m.em
    isNamed = false
  }

  private init(ticks: Ticks, isVertical: Bool, extent: Double, isNamed: Bool) {
    self.ticks = ticks
    self.isVertical = isVertical
    self.extent = extent
    self.isNamed = isNamed
  }

  /// The same positions without text (a panel that shares its left neighbour's labels).
  var unlabelled: AxisLabels {
    AxisLabels(ticks: ticks.unlabelled, isVertical: isVertical, extent: 0, isNamed: false)
  }

  /// Labels under `count` cells `cell` pixels wide, cell j centred at x = j: the names
  /// side by side if they fit, else running downwards if the cells are a line wide and no
  /// name is longer than `maxLength`, else every k-th index.
  static func columns(
    _ count: Int, names: [String]?, cell: Double, maxLength: Double, metrics m: Metrics
  ) -> AxisLabels {
    if let names {
      let longest = names.map { m.textWidth($0) }.max() ?? 0
      let all = Ticks(values: (0..<count).map(Double.init), labels: names, step: 1)
      if longest <= 0.92 * cell {
        return AxisLabels(ticks: all, isVertical: false, extent: m.font, isNamed: true)
      }
      if cell >= AxisLabels.line(m) && longest <= maxLength {
        return AxisLabels(ticks: all, isVertical: true, extent: longest, isNamed: true)
      }
    }
    let step = labelStride(count, cell: cell, need: m.textWidth(String(count - 1)) / 0.8)
    let indices = Swift.stride(from: 0, to: count, by: step)
    return AxisLabels(
      ticks: Ticks(
        values: indices.map(Double.init), labels: indices.map(String.init),
        step: Double(step)),
      isVertical: false, extent: m.font, isNamed: false)
  }

  /// Labels left of `count` rows `cell` pixels tall, row i centred at y = -i: the names if
  /// the rows are a line tall, else every k-th index.
  static func rows(_ count: Int, names: [String]?, cell: Double, metrics m: Metrics)
    -> AxisLabels
  {
    let line = AxisLabels.line(m)
    if let names, cell >= line {
      return AxisLabels(
        ticks: Ticks(values: (0..<count).map { -Double($0) }, labels: names, step: 1),
        isVertical: false, extent: names.map { m.textWidth($0) }.max() ?? 0, isNamed: true)
    }
    let step = labelStride(count, cell: cell, need: line)
    let indices = Array(Swift.stride(from: 0, to: count, by: step))
    return AxisLabels(
      ticks: Ticks(
        values: indices.map { -Double($0) }, labels: indices.map(String.init),
        step: Double(step)),
      isVertical: false, extent: indices.map { m.textWidth(String($0)) }.max() ?? 0,
      isNamed: false)
  }

  /// The spacing of tick labels stacked along y (or running downwards along x), in pixels.
  static func line(_ m: Metrics) -> Double { 1.15 * m.font }

  /// The least of 1, 2, 5, 10, 20, 50, ... cells that span `need` pixels (at most `count`).
  private static func labelStride(_ count: Int, cell: Double, need: Double) -> Int {
    var power = 1
    while power < count {
      for k in [1, 2, 5] where Double(k * power) * cell >= need || k * power >= count {
        return k * power
      }
      power *= 10
    }
    return power
  }
}

/// Where the panels of a `CosinePanels` figure go at one size, and how they are labelled.
struct CosineLayout {
  /// A panel prints its values only with at most this many columns.
  static let maximumValueColumns = 20
  /// The text scales of printed values: the smallest drawn, and the one the default size
  /// aims for.
  static let minimumValueScale = 0.6
  static let comfortableValueScale = 0.7
  static let largestValueScale = 0.85
  /// The text scale of the panel titles.
  static let panelTitleScale = 1.05
  /// The text scale of the notes right of a panel's rows, and of their heading.
  static let noteScale = 0.8
  /// The cosine axis of the bar charts: room above 1 and below -1 for the printed values.
  static let barRange: ClosedRange<Double> = -1.2...1.2

  let metrics: Metrics
  /// The panels' frames, left to right: x is the column index; y is minus the row index
  /// in a heat map, the cosine in a bar chart.
  let frames: [PlotFrame]
  /// The labels under every panel: the directions.
  let columns: AxisLabels
  /// The labels left of each panel.
  let rowAxes: [AxisLabels]
  /// The y-axis label of each panel ("" where it shares its left neighbour's).
  let rowTitles: [String]
  /// The colour bar's ticks (heat maps only).
  let colorBar: AxisLabels
  /// The room above the frames for the panel titles.
  let panelTitleRoom: Double
  /// The room for the figure title's longest line.
  let titleWidth: Double
  /// The text scale of the values printed in each panel; nil for a panel that prints none.
  private(set) var valueScales: [Double?] = []

  /// Lays out `figure` in `size`; `widest` is each panel's `widestValue`.
  init(_ figure: CosinePanels, size: PlotSize, widest: [Double]) {
    // The reference's rows are named if the names fit; else their room is freed.
    self.init(figure, size: size, namedRows: figure.columnNames != nil)
    if figure.drawsReference && figure.columnNames != nil && !rowAxes[rowAxes.count - 1].isNamed {
      self.init(figure, size: size, namedRows: false)
    }
    valueScales = CosineLayout.valueScales(
      widest: widest, columns: figure.columnCount, frames: frames,
      isBars: figure.isSingleRow, metrics: metrics)
  }

  /// Frames and labels, with the reference's rows named (if names are given) or numbered.
  private init(_ figure: CosinePanels, size: PlotSize, namedRows: Bool) {
    let m = Metrics(em: Canvas.em(for: size))
    let (w, h) = (Double(size.width), Double(size.height))
    let (n, k) = (figure.columnCount, figure.rowCount)
    // The panels after the first share its row labels; the reference comes last.
    let shared = figure.panels.count - 1
    let hasReference = figure.drawsReference
    let bars = AxisLabels(numbers: Ticks(CosineLayout.barRange, target: 6), metrics: m)
    let names = namedRows ? figure.columnNames : nil
    metrics = m
    colorBar = AxisLabels(numbers: Ticks(-1...1, target: 5), metrics: m)
    panelTitleRoom = 0.8 * m.em + CosineLayout.panelTitleScale * m.font
    let titles =
      [figure.isSingleRow ? "cosine similarity" : figure.rowLabel]
      + Array(repeating: "", count: shared) + (hasReference ? [figure.columnLabel] : [])
    rowTitles = titles
    let featureWidth: Double =
      names.map { $0.map { m.textWidth($0) }.max() ?? 0 } ?? m.textWidth(String(n - 1))
    let tickWidths: [Double] =
      [figure.isSingleRow ? bars.extent : m.textWidth(String(k - 1))]
      + Array(repeating: 0, count: shared) + (hasReference ? [featureWidth] : [])
    // Left of each panel: its axis label and tick labels, or a gap where it shares them.
    let notes = figure.drawnPanels.map { panel in
      panel.rowNotes.isEmpty || figure.isSingleRow
        ? 0
        : m.gap + (panel.rowNotes.map { m.textWidth($0, scale: CosineLayout.noteScale) }.max() ?? 0)
    }
    let rooms: [Double] = tickWidths.indices.map { p in
      let outer: Double = p == 0 ? m.pad : 1.5 * m.em + notes[p - 1]
      let label: Double = titles[p].isEmpty ? 0 : 1.6 * m.em + m.gap
      let ticks: Double = tickWidths[p] > 0 ? tickWidths[p] + m.gap : 0
      return outer + label + ticks + m.tick
    }
    let right =
      figure.isSingleRow
      ? 1.5 * m.em : ColorBar.room(tickWidth: colorBar.extent, metrics: m) + notes[notes.count - 1]
    let width = max(1, (w - rooms.reduce(0, +) - right) / Double(rooms.count))
    columns = AxisLabels.columns(
      n, names: figure.columnNames, cell: width / Double(n), maxLength: 0.25 * h, metrics: m)
    let lefts = rooms.indices.map { p in rooms[...p].reduce(0, +) + Double(p) * width }
    let centre = (lefts[0] + lefts[lefts.count - 1] + width) / 2
    titleWidth = 2 * min(centre, w - centre) - 2 * m.pad
    let top =
      (figure.title.isEmpty ? m.pad : m.titleHeight(figure.title, width: titleWidth))
      + panelTitleRoom
    let bottom = m.pad + 1.6 * m.em + m.gap + columns.extent + m.gap + m.tick
    let height = max(1, h - top - bottom)
    func snap(_ v: Double) -> Double { v.rounded(.down) + 0.5 }
    let rowCounts = Array(repeating: k, count: shared + 1) + (hasReference ? [n] : [])
    frames = zip(lefts, rowCounts).map { left, rows in
      PlotFrame(
        left: snap(left), right: snap(left + width), top: snap(top), bottom: snap(top + height),
        xRange: -0.5...(Double(n) - 0.5),
        leftRange: figure.isSingleRow ? CosineLayout.barRange : -(Double(rows) - 0.5)...0.5,
        rightRange: nil)
    }
    let first =
      figure.isSingleRow ? bars : AxisLabels.rows(k, names: nil, cell: height / Double(k), metrics: m)
    rowAxes =
      [first] + Array(repeating: first.unlabelled, count: shared)
      + (hasReference ? [AxisLabels.rows(n, names: names, cell: height / Double(n), metrics: m)] : [])
  }

  /// The text scale of the values in each panel: nil for a panel that does not print, one
  /// scale for all that do (the largest that fits them all, at most `largestValueScale`).
  ///
  /// A panel prints when it has at most `maximumValueColumns` columns and its widest value
  /// fits its cells (a bar's column, and the room above 1) at `minimumValueScale` or more.
  private static func valueScales(
    widest: [Double], columns: Int, frames: [PlotFrame], isBars: Bool, metrics m: Metrics
  ) -> [Double?] {
    guard columns <= maximumValueColumns else { return frames.map { _ in nil } }
    let scales = zip(widest, frames).map { widest, frame -> Double? in
      guard widest > 0 else { return nil }
      let height = frame.bottom - frame.top
      let range = frame.leftRange.upperBound - frame.leftRange.lowerBound
      let cellWidth = (frame.right - frame.left) / Double(columns)
      // A bar's value goes past its end, in the room between 1 and the frame.
      let cellHeight = isBars ? height * (range - 2) / 2 / range - 0.35 * m.em : height / range
      let scale = min(
        largestValueScale, cellWidth / (1.1 * widest * m.font), cellHeight / (1.15 * m.font))
      return scale >= minimumValueScale ? scale : nil
    }
    let common = scales.compactMap { $0 }.min()
    return scales.map { $0 == nil ? nil : common }
  }
}

extension Canvas {
  /// Draws a heat map of cosines in the current window over `frame` (row i centred at
  /// y = -i, column j at x = j) on the diverging map over -1...1, each value printed at
  /// `valueScale` (none when nil): white on dark cells, else ink, or grey under 0.05.
  func drawCosineCells(_ rows: [[Double]], frame: PlotFrame, valueScale: Double?) {
    let (k, n) = (rows.count, rows[0].count)
    let grid = CellGrid(
      values: rows.reversed().flatMap { $0 }, xEdges: cellEdges((0..<n).map(Double.init)),
      yEdges: cellEdges((0..<k).map { Double($0 - k + 1) }))
    let shade = { (v: Double) in ColorMap.diverging.color(v, range: -1...1) }
    drawCells(grid, frame: frame, color: shade)
    guard let valueScale else { return }
    textScale(valueScale)
    for (i, row) in rows.enumerated() {
      for (j, v) in row.enumerated() {
        guard let label = CosinePanels.valueLabel(v) else { continue }
        let c = shade(v)
        let luminance = 0.299 * Double(c.red) + 0.587 * Double(c.green) + 0.114 * Double(c.blue)
        if luminance < 150 { color(.white) } else { useValueInk(v) }
        c_plptex(Double(j), -Double(i), 1, 0, 0.5, label)
      }
    }
    textScale(1)
  }

  /// Draws one bar per column in the current window over `frame`, red above 0 and blue
  /// below, over grid lines at `grid`'s ticks and under a line at 0; each value printed
  /// past the end of its bar at `valueScale` (none when nil), in ink, or grey under 0.05.
  func drawCosineBars(
    _ values: [Double], frame: PlotFrame, grid: Ticks, valueScale: Double?, metrics m: Metrics
  ) {
    use(.grid)
    lineWidth(1)
    dash(.solid)
    c_plbox("", 0, 0, "g", grid.step, 0)
    for (j, v) in values.enumerated() where v != 0 {
      let (x0, x1) = (Double(j) - 0.36, Double(j) + 0.36)
      color(ColorMap.diverging.color(v > 0 ? 0.9 : 0.1))
      polygon([x0, x1, x1, x0], [0, 0, v, v])
    }
    use(.ink)
    lineWidth(1.3)
    polyline([frame.xRange.lowerBound, frame.xRange.upperBound], [0, 0])
    guard let valueScale else { return }
    textScale(valueScale)
    let span = frame.leftRange.upperBound - frame.leftRange.lowerBound
    let offset = (0.35 * m.em + 0.5 * m.font * valueScale) * span / (frame.bottom - frame.top)
    for (j, v) in values.enumerated() {
      guard let label = CosinePanels.valueLabel(v) else { continue }
      useValueInk(v)
      c_plptex(Double(j), v > 0 ? v + offset : v - offset, 1, 0, 0.5, label)
    }
    textScale(1)
  }

  /// Writes `notes[i]` right of row i of the current viewport's heat map (`notes.count` rows),
  /// under `title` above the frame; nothing when `notes` is empty.
  func drawRowNotes(_ notes: [String], title: String) {
    guard !notes.isEmpty else { return }
    use(.ink)
    textScale(CosineLayout.noteScale)
    let k = Double(notes.count)
    for (i, note) in notes.enumerated() {
      c_plmtex("rv", 0.5, (k - Double(i) - 0.5) / k, 0, note)
    }
    if !title.isEmpty { c_plmtex("t", 0.5, 1, 0, title) }
    textScale(1)
  }

  /// Sets the colour of a printed value on a light background: grey when it is small
  /// (|value| < 0.05), so that the eye goes to the large ones, else ink.
  private func useValueInk(_ value: Double) {
    use(abs(value) < 0.05 ? .guide : .ink)
  }
}
