// Checks run before any PLplot call, so PLplot never sees data it could choke on.

extension PlotSize {
  func validate() throws(PlotError) {
    guard PlotSize.allowed.contains(width), PlotSize.allowed.contains(height),
      density.isFinite, (0.25...20).contains(density)
    else {
      throw .invalidSize(self)
    }
  }
}

private func invalid(_ field: String, _ problem: String) -> PlotError {
  .invalidData(field: field, problem: problem)
}

private func checkFinite(_ values: [Double], _ field: String) throws(PlotError) {
  if let i = values.firstIndex(where: { !$0.isFinite }) {
    throw invalid("\(field)[\(i)]", "\(values[i]) is not finite")
  }
}

private func checkRange(_ range: ClosedRange<Double>?, _ field: String) throws(PlotError) {
  guard let r = range else { return }
  guard r.lowerBound.isFinite, r.upperBound.isFinite, r.lowerBound < r.upperBound else {
    throw invalid(
      field, "\(r.lowerBound)...\(r.upperBound) is not a finite range of positive width")
  }
  guard Ticks.canLabel(r) else {
    throw invalid(
      field,
      "\(r.lowerBound)...\(r.upperBound) is narrower than an axis can label "
        + "(its span must be at least 1e-9 of its largest end, and 1e-290)")
  }
}

/// Checks that every value is within +-1e300, so that padded axis ranges stay finite.
private func checkDrawable(_ values: [Double], _ field: String) throws(PlotError) {
  if let i = values.firstIndex(where: { abs($0) > 1e300 }) {
    throw invalid("\(field)[\(i)]", "\(values[i]) is beyond +-1e300 (too large to draw)")
  }
}

private func checkText(_ text: String, _ field: String) throws(PlotError) {
  if text.utf8.contains(0) { throw invalid(field, "contains a NUL character") }
  if text.utf8.count > 500 { throw invalid(field, "is longer than 500 bytes") }
}

extension SeriesStyle {
  func validate(_ field: String) throws(PlotError) {
    switch stroke {
    case .line(_, let width):
      guard width.isFinite, (0.25...20).contains(width) else {
        throw invalid("\(field).width", "\(width) is not within 0.25...20")
      }
    case .points(let radius):
      guard radius.isFinite, (0.5...30).contains(radius) else {
        throw invalid("\(field).radius", "\(radius) is not within 0.5...30")
      }
    }
  }
}

extension Series {
  func validate(_ field: String, allowRight: Bool) throws(PlotError) {
    let label = name.isEmpty ? field : "\(field) \"\(name)\""
    try checkText(name, "\(label).name")
    guard !xs.isEmpty else { throw invalid(label, "has no points") }
    guard xs.count == ys.count else {
      throw invalid(label, "xs has \(xs.count) values but ys has \(ys.count)")
    }
    try checkFinite(xs, "\(label).xs")
    try checkFinite(ys, "\(label).ys")
    try checkDrawable(xs, "\(label).xs")
    try checkDrawable(ys, "\(label).ys")
    if axis == .right && !allowRight {
      throw invalid("\(label).axis", "right axis used but the chart has no rightLabel")
    }
    try style.validate("\(label).style")
  }
}

extension LineChart {
  func validate() throws(PlotError) {
    try checkText(title, "title")
    try checkText(xLabel, "xLabel")
    try checkText(leftLabel, "leftLabel")
    if let r = rightLabel { try checkText(r, "rightLabel") }
    guard !series.isEmpty else { throw invalid("series", "is empty") }
    for (i, s) in series.enumerated() {
      try s.validate("series[\(i)]", allowRight: rightLabel != nil)
    }
    for (i, m) in markers.enumerated() {
      let field = "markers[\(i)]"
      guard m.x.isFinite else { throw invalid("\(field).x", "\(m.x) is not finite") }
      guard m.y.isFinite else { throw invalid("\(field).y", "\(m.y) is not finite") }
      try checkText(m.label, "\(field).label")
      if m.axis == .right && rightLabel == nil {
        throw invalid("\(field).axis", "right axis used but the chart has no rightLabel")
      }
    }
    for (i, g) in guides.enumerated() {
      guard g.x.isFinite else { throw invalid("guides[\(i)].x", "\(g.x) is not finite") }
      try checkText(g.label, "guides[\(i)].label")
    }
    for (i, b) in bands.enumerated() {
      try checkRange(b.range, "bands[\(i)].range")
      try checkText(b.label, "bands[\(i)].label")
    }
    try checkRange(xRange, "xRange")
    try checkRange(leftRange, "leftRange")
    try checkRange(rightRange, "rightRange")
    if rightRange != nil && rightLabel == nil {
      throw invalid("rightRange", "set but the chart has no rightLabel")
    }
  }
}

extension HeatMap {
  func validate() throws(PlotError) {
    try checkText(title, "title")
    try checkText(xLabel, "xLabel")
    try checkText(yLabel, "yLabel")
    try checkText(colorBarLabel, "colorBarLabel")
    guard !xs.isEmpty else { throw invalid("xs", "is empty") }
    guard !ys.isEmpty else { throw invalid("ys", "is empty") }
    try checkFinite(xs, "xs")
    try checkFinite(ys, "ys")
    try checkDrawable(xs, "xs")
    try checkDrawable(ys, "ys")
    for (name, axis) in [("xs", xs), ("ys", ys)] {
      if let i = axis.indices.dropFirst().first(where: { axis[$0] <= axis[$0 - 1] }) {
        throw invalid("\(name)[\(i)]", "\(axis[i]) does not exceed \(axis[i - 1]) (must increase)")
      }
    }
    // The cells' edges are the axes: grids finer than an axis can label are refused.
    for (name, axis) in [("xs", xs), ("ys", ys)] {
      let edges = cellEdges(axis)
      try checkRange(edges[0]...edges[edges.count - 1], "\(name) (cell edges)")
    }
    guard values.count == xs.count * ys.count else {
      throw invalid(
        "values", "has \(values.count) entries but ys.count * xs.count = \(ys.count * xs.count)")
    }
    if let i = values.firstIndex(where: { $0.isInfinite }) {
      throw invalid("values[\(i)]", "\(values[i]) is infinite (use NaN for a missing point)")
    }
    try checkDrawable(values.filter(\.isFinite), "values (finite)")
    try checkRange(valueRange, "valueRange")
    if let categories {
      guard !categories.isEmpty else { throw invalid("categories", "is empty") }
      for (i, c) in categories.enumerated() {
        guard c.value.isFinite else { throw invalid("categories[\(i)].value", "is not finite") }
        try checkText(c.label, "categories[\(i)].label")
      }
      let known = Set(categories.map(\.value))
      if let i = values.firstIndex(where: { $0.isFinite && !known.contains($0) }) {
        throw invalid("values[\(i)]", "\(values[i]) is not one of the categories")
      }
    }
    for (i, s) in overlays.enumerated() {
      try s.validate("overlays[\(i)]", allowRight: false)
    }
  }
}

extension CosinePanels {
  /// How far a cosine may stray outside -1...1 by rounding.
  static let cosineSlack = 1e-9

  func validate() throws(PlotError) {
    try checkText(title, "title")
    try checkText(rowLabel, "rowLabel")
    try checkText(columnLabel, "columnLabel")
    guard let first = panels.first else { throw invalid("panels", "is empty") }
    for (p, panel) in panels.enumerated() { try checkText(panel.title, "panels[\(p)].title") }
    if let reference { try checkText(reference.title, "reference.title") }
    guard let columns = first.rows.first?.count else {
      throw invalid("panels[0] \"\(first.title)\".rows", "is empty")
    }
    guard columns > 0 else { throw invalid("panels[0] \"\(first.title)\".rows[0]", "is empty") }
    for (p, panel) in panels.enumerated() {
      let field = "panels[\(p)] \"\(panel.title)\""
      guard panel.rows.count == first.rows.count else {
        throw invalid(
          "\(field).rows", "has \(panel.rows.count) rows but panels[0] has \(first.rows.count)")
      }
      try checkCosines(panel.rows, "\(field).rows", columns: columns)
      try checkNotes(panel, field)
    }
    if let reference {
      let field = "reference \"\(reference.title)\""
      guard reference.rows.count == columns else {
        throw invalid(
          "\(field).rows", "has \(reference.rows.count) rows but there are \(columns) columns")
      }
      try checkCosines(reference.rows, "\(field).rows", columns: columns)
      try checkNotes(reference, field)
    }
    if let columnNames {
      guard columnNames.count == columns else {
        throw invalid(
          "columnNames", "has \(columnNames.count) names but there are \(columns) columns")
      }
      for (j, name) in columnNames.enumerated() { try checkText(name, "columnNames[\(j)]") }
    }
  }

  /// Checks that a panel has no notes or one per row, each a drawable text.
  private func checkNotes(_ panel: Panel, _ field: String) throws(PlotError) {
    guard !panel.rowNotes.isEmpty else { return }
    guard panel.rowNotes.count == panel.rows.count else {
      throw invalid(
        "\(field).rowNotes", "has \(panel.rowNotes.count) notes but \(panel.rows.count) rows")
    }
    for (i, note) in panel.rowNotes.enumerated() { try checkText(note, "\(field).rowNotes[\(i)]") }
    try checkText(panel.notesTitle, "\(field).notesTitle")
  }

  /// Checks that every row of `matrix` has `columns` finite values in -1...1.
  private func checkCosines(_ matrix: [[Double]], _ field: String, columns: Int)
    throws(PlotError)
  {
    for (i, row) in matrix.enumerated() {
      guard row.count == columns else {
        throw invalid("\(field)[\(i)]", "has \(row.count) values but there are \(columns) columns")
      }
      try checkFinite(row, "\(field)[\(i)]")
      if let j = row.firstIndex(where: { abs($0) > 1 + CosinePanels.cosineSlack }) {
        throw invalid("\(field)[\(i)][\(j)]", "\(row[j]) is not a cosine (outside -1...1)")
      }
    }
  }
}
