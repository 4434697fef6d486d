// Value types that describe a figure. They hold data only: `Plotter` draws them.

/// An opaque 8-bit sRGB colour.
public struct PlotColor: Sendable, Hashable {
  /// The red component, 0...255.
  public var red: UInt8
  /// The green component, 0...255.
  public var green: UInt8
  /// The blue component, 0...255.
  public var blue: UInt8

  /// Creates a colour from its 8-bit sRGB components.
  public init(red: UInt8, green: UInt8, blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// Creates a colour from a 24-bit `0xRRGGBB` value.
  ///
  /// - Parameter hex: the colour as `0xRRGGBB`; bits above 24 are ignored.
  public init(hex: UInt32) {
    self.init(
      red: UInt8((hex >> 16) & 0xFF), green: UInt8((hex >> 8) & 0xFF),
      blue: UInt8(hex & 0xFF))
  }

  /// Dark blue (`#1F4E99`): dark in greyscale.
  public static let darkBlue = PlotColor(hex: 0x1F4E99)
  /// Orange (`#E07B14`): light in greyscale.
  public static let orange = PlotColor(hex: 0xE07B14)
  /// Green (`#2A9D3A`): mid grey in greyscale.
  public static let green = PlotColor(hex: 0x2A9D3A)
  /// Crimson (`#B8283A`).
  public static let crimson = PlotColor(hex: 0xB8283A)
  /// Purple (`#7B4EA3`).
  public static let purple = PlotColor(hex: 0x7B4EA3)
  /// Near black (`#222222`): the colour of text and axes.
  public static let ink = PlotColor(hex: 0x222222)
  /// Mid grey (`#7F7F7F`): the colour of guides.
  public static let grey = PlotColor(hex: 0x7F7F7F)
  /// White.
  public static let white = PlotColor(hex: 0xFFFFFF)
}

/// How a line is stroked.
public enum LineDash: Sendable, Hashable, CaseIterable {
  /// A continuous line.
  case solid
  /// Long dashes.
  case dashed
  /// Short dashes, nearly dots.
  case dotted
  /// Alternating long and short dashes.
  case dashDot
}

/// How a series is drawn: a coloured line with a dash pattern, or isolated points.
public struct SeriesStyle: Sendable, Hashable {
  /// The shape a series takes.
  public enum Stroke: Sendable, Hashable {
    /// A polyline through the points.
    ///
    /// - Parameters:
    ///   - dash: the dash pattern.
    ///   - width: the line width in pixels at the default size 1200x800, in 0.25...20.
    case line(LineDash, width: Double)
    /// A dot at each point and no line (e.g. a training trajectory).
    ///
    /// - Parameter radius: the dot radius in pixels at the default size, in 0.5...30.
    case points(radius: Double)
  }

  /// The colour of the line or dots.
  public var color: PlotColor
  /// Line or points, with their dimensions.
  public var stroke: Stroke

  /// Creates a style.
  public init(color: PlotColor, stroke: Stroke) {
    self.color = color
    self.stroke = stroke
  }

  /// A solid or dashed line of the given colour.
  ///
  /// - Parameters:
  ///   - color: the line colour.
  ///   - dash: the dash pattern; solid by default.
  ///   - width: the width in pixels at the default size, in 0.25...20; 2.5 by default.
  public static func line(_ color: PlotColor, _ dash: LineDash = .solid, width: Double = 2.5)
    -> SeriesStyle
  {
    SeriesStyle(color: color, stroke: .line(dash, width: width))
  }

  /// Dots of the given colour at each point, without a connecting line.
  ///
  /// - Parameters:
  ///   - color: the dot colour.
  ///   - radius: the radius in pixels at the default size, in 0.5...30; 3 by default.
  public static func points(_ color: PlotColor, radius: Double = 3) -> SeriesStyle {
    SeriesStyle(color: color, stroke: .points(radius: radius))
  }

  /// The `index`-th style of a palette that stays distinguishable in greyscale.
  ///
  /// Colour and dash pattern both change from one index to the next: dark blue solid,
  /// orange dashed, green dash-dot, crimson dotted, purple solid, then around again.
  ///
  /// - Parameter index: any integer; negative values wrap around too.
  public static func cycle(_ index: Int) -> SeriesStyle {
    let styles: [SeriesStyle] = [
      .line(.darkBlue, .solid), .line(.orange, .dashed), .line(.green, .dashDot),
      .line(.crimson, .dotted), .line(.purple, .solid),
    ]
    let n = styles.count
    return styles[((index % n) + n) % n]
  }
}

/// Which y-axis a series or marker is measured against.
public enum YAxis: Sendable, Hashable {
  /// The left axis (e.g. MSE).
  case left
  /// The right axis (e.g. L2); a chart has one only if it has a right-axis label.
  case right
}

/// One named curve: points (xs[i], ys[i]) drawn in one style against one axis.
public struct Series: Sendable, Hashable {
  /// The legend entry; an empty name keeps the series out of the legend.
  public var name: String
  /// The abscissae; finite, as many as `ys`, at least one.
  public var xs: [Double]
  /// The ordinates; finite, as many as `xs`.
  public var ys: [Double]
  /// The axis the ordinates are measured against.
  public var axis: YAxis
  /// Colour and stroke.
  public var style: SeriesStyle

  /// Creates a series.
  ///
  /// - Parameters:
  ///   - name: the legend entry; empty for none.
  ///   - xs: finite abscissae, at least one.
  ///   - ys: finite ordinates, as many as `xs`.
  ///   - axis: the y-axis; left by default.
  ///   - style: colour and stroke; a dark blue solid line by default.
  public init(
    name: String, xs: [Double], ys: [Double], axis: YAxis = .left,
    style: SeriesStyle = .line(.darkBlue)
  ) {
    self.name = name
    self.xs = xs
    self.ys = ys
    self.axis = axis
    self.style = style
  }
}

/// A labelled dot marking a point of interest, such as a minimum.
public struct Marker: Sendable, Hashable {
  /// The abscissa; finite.
  public var x: Double
  /// The ordinate on `axis`; finite.
  public var y: Double
  /// The axis `y` is measured against.
  public var axis: YAxis
  /// A short text drawn next to the dot (e.g. "t=0.232"); may be empty.
  public var label: String
  /// True for a global minimum (large filled dot), false for a local one (hollow dot).
  public var isEmphasized: Bool
  /// The dot colour, usually that of the series it marks.
  public var color: PlotColor

  /// Creates a marker.
  ///
  /// - Parameters:
  ///   - x: finite abscissa.
  ///   - y: finite ordinate on `axis`.
  ///   - axis: the y-axis; left by default.
  ///   - label: text next to the dot; may be empty.
  ///   - isEmphasized: filled large dot (true, the default) or hollow smaller dot.
  ///   - color: dot colour; dark blue by default.
  public init(
    x: Double, y: Double, axis: YAxis = .left, label: String = "",
    isEmphasized: Bool = true, color: PlotColor = .darkBlue
  ) {
    self.x = x
    self.y = y
    self.axis = axis
    self.label = label
    self.isEmphasized = isEmphasized
    self.color = color
  }
}

/// A thin vertical reference line at `x` with a short label, e.g. "parent" at t = 0.
public struct Guide: Sendable, Hashable {
  /// The abscissa of the line; finite.
  public var x: Double
  /// A short label drawn at the top of the line; may be empty.
  public var label: String

  /// Creates a guide.
  ///
  /// - Parameters:
  ///   - x: finite abscissa.
  ///   - label: short text at the top of the line; may be empty.
  public init(x: Double, label: String = "") {
    self.x = x
    self.label = label
  }
}

/// A shaded interval of x behind a line chart's curves (e.g. a regime of minima).
public struct Band: Sendable, Hashable {
  /// The shaded x interval; finite.
  public var range: ClosedRange<Double>
  /// The fill colour; light colours keep the curves readable.
  public var color: PlotColor
  /// The legend entry; bands of one label share one entry, an empty label has none.
  public var label: String

  /// Creates a band.
  ///
  /// - Parameters:
  ///   - range: finite x interval.
  ///   - color: fill colour.
  ///   - label: legend text; may be empty.
  public init(range: ClosedRange<Double>, color: PlotColor, label: String = "") {
    self.range = range
    self.color = color
    self.label = label
  }
}

/// Where the legend goes inside the plot frame.
public enum LegendPosition: Sendable, Hashable, CaseIterable {
  /// The corner that covers the fewest drawn points (upper right on ties).
  case automatic
  /// The upper-left corner.
  case upperLeft
  /// The upper-right corner.
  case upperRight
  /// The lower-left corner.
  case lowerLeft
  /// The lower-right corner.
  case lowerRight
  /// No legend.
  case hidden
}

/// A line chart with one or two y-axes, markers and vertical guides.
///
/// Series on `.right` need a `rightLabel`; the right axis then gets its own scale.
/// Axis ranges default to the data (plus 2% of x padding and 6% of y padding); with an
/// automatic legend and automatic y ranges, the y ranges grow upwards when the legend
/// would otherwise cover a curve.
///
/// Text is UTF-8 and may use PLplot's escapes: `#u`/`#d` start a superscript/subscript
/// (`p#d01#u` is p with subscript 01), `#g` and a letter give a Greek letter (`#gh` is
/// theta), and `##` is a literal `#`.
public struct LineChart: Sendable, Hashable {
  /// The title; a newline splits it into a title and a smaller subtitle line.
  public var title: String
  /// The x-axis label.
  public var xLabel: String
  /// The left y-axis label.
  public var leftLabel: String
  /// The right y-axis label; nil for a single-axis chart.
  public var rightLabel: String?
  /// The curves, drawn in order (later ones on top); at least one.
  public var series: [Series]
  /// Labelled dots, drawn above the curves.
  public var markers: [Marker]
  /// Vertical reference lines, drawn below the curves.
  public var guides: [Guide]
  /// Shaded x intervals, drawn below everything else.
  public var bands: [Band]
  /// Where the legend goes.
  public var legend: LegendPosition
  /// The x range; nil for the data range. Finite, lower < upper.
  public var xRange: ClosedRange<Double>?
  /// The left y range; nil for the data range. Finite, lower < upper.
  public var leftRange: ClosedRange<Double>?
  /// The right y range; nil for the data range. Finite, lower < upper.
  public var rightRange: ClosedRange<Double>?

  /// Creates a line chart.
  ///
  /// - Parameters:
  ///   - title: one line, or two separated by a newline.
  ///   - xLabel: the x-axis label.
  ///   - leftLabel: the left y-axis label.
  ///   - rightLabel: the right y-axis label, or nil for a single axis.
  ///   - series: at least one series.
  ///   - markers: labelled dots.
  ///   - guides: vertical reference lines.
  ///   - bands: shaded x intervals.
  ///   - legend: legend placement; automatic by default.
  ///   - xRange: explicit x range, or nil.
  ///   - leftRange: explicit left y range, or nil.
  ///   - rightRange: explicit right y range, or nil.
  public init(
    title: String, xLabel: String, leftLabel: String, rightLabel: String? = nil,
    series: [Series], markers: [Marker] = [], guides: [Guide] = [], bands: [Band] = [],
    legend: LegendPosition = .automatic, xRange: ClosedRange<Double>? = nil,
    leftRange: ClosedRange<Double>? = nil, rightRange: ClosedRange<Double>? = nil
  ) {
    self.title = title
    self.xLabel = xLabel
    self.leftLabel = leftLabel
    self.rightLabel = rightLabel
    self.series = series
    self.markers = markers
    self.guides = guides
    self.bands = bands
    self.legend = legend
    self.xRange = xRange
    self.leftRange = leftRange
    self.rightRange = rightRange
  }
}

/// A colour-coded grid of values with a colour bar and optional overlay lines.
///
/// Cell (i, j) is centred on (xs[i], ys[j]) and holds `values[j * xs.count + i]`
/// (row-major, one row per y). NaN marks a missing point, drawn in light grey. Colours
/// follow viridis (dark purple to yellow), which stays monotone in greyscale. Text may
/// use PLplot's escapes as in `LineChart`.
public struct HeatMap: Sendable, Hashable {
  /// The title; a newline splits it into a title and a smaller subtitle line.
  public var title: String
  /// The x-axis label.
  public var xLabel: String
  /// The y-axis label.
  public var yLabel: String
  /// Cell centres along x: finite, strictly increasing, at least one.
  public var xs: [Double]
  /// Cell centres along y: finite, strictly increasing, at least one.
  public var ys: [Double]
  /// Row-major values, `ys.count * xs.count` of them; NaN for missing, never infinite.
  public var values: [Double]
  /// The colour-bar label.
  public var colorBarLabel: String
  /// The values mapped to the ends of the colour map (clamped beyond); nil for the data range.
  public var valueRange: ClosedRange<Double>?
  /// Lines drawn over the map (e.g. region boundaries), with legend entries.
  public var overlays: [Series]
  /// Where the overlay legend goes.
  public var legend: LegendPosition
  /// Discrete values with names (e.g. counts of minima): when set, every finite value is
  /// one of them, each gets its own colour and a key replaces the continuous colour bar.
  public var categories: [Category]?

  /// A value of a categorical map and its name in the key.
  public struct Category: Sendable, Hashable {
    /// The value; finite.
    public var value: Double
    /// The text in the key.
    public var label: String

    /// Creates a category.
    public init(value: Double, label: String) {
      self.value = value
      self.label = label
    }
  }

  /// Creates a heat map.
  ///
  /// - Parameters:
  ///   - title: one line, or two separated by a newline.
  ///   - xLabel: the x-axis label.
  ///   - yLabel: the y-axis label.
  ///   - xs: strictly increasing cell centres along x, at least one.
  ///   - ys: strictly increasing cell centres along y, at least one.
  ///   - values: `ys.count * xs.count` row-major values; NaN for a missing point.
  ///   - colorBarLabel: the colour-bar label.
  ///   - valueRange: explicit colour range, or nil for the data range.
  ///   - overlays: lines over the map; their y values use the map's y axis.
  ///   - legend: overlay legend placement; automatic by default.
  ///   - categories: the discrete values and their names, or nil for a continuous map.
  public init(
    title: String, xLabel: String, yLabel: String, xs: [Double], ys: [Double],
    values: [Double], colorBarLabel: String, valueRange: ClosedRange<Double>? = nil,
    overlays: [Series] = [], legend: LegendPosition = .automatic, categories: [Category]? = nil
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xs = xs
    self.ys = ys
    self.values = values
    self.colorBarLabel = colorBarLabel
    self.valueRange = valueRange
    self.overlays = overlays
    self.legend = legend
    self.categories = categories
  }
}

/// The cosine similarities of sets of vectors with one set of directions, as panels side by
/// side (e.g. an SAE's encoder and decoder rows against the true features).
///
/// Each entry is a cosine in -1...1: cos(v_i, e_j) for vector i of a panel and direction j,
/// and in the reference panel cos(e_i, e_j) between the directions.
///
/// With two or more vectors per panel, each panel is a heat map (one row per vector, one
/// column per direction), then the reference panel (one row and one column per direction),
/// row 0 and column 0 at the top left. One diverging colour map serves them all, fixed to
/// -1...1 so that figures compare: blue negative, white 0, red positive, with a colour bar.
/// A cell prints its value with two decimals when its panel has at most 20 columns and its
/// cells hold the panel's widest value at 0.6 of the tick-label size or more (every panel
/// that prints uses one size, the largest that fits them all, at most 0.85): white on dark
/// cells, grey under 0.05 so that the eye goes to the large values, else ink;
/// |value| < 0.005 prints nothing, so that cells near 0 stay white and empty.
///
/// With one vector per panel, each panel is a bar chart instead (the reference is not
/// drawn): one bar per direction, red for a positive cosine and blue for a negative one, on
/// a fixed axis from -1.2 to 1.2 with a line at 0, each value printed at the end of its bar
/// by the same rule.
///
/// The x axes name the directions: `columnNames` side by side if they fit, else running
/// downwards if their cells are at least a line wide, else every k-th index (k = 1, 2, 5,
/// 10, 20, ...). The first panel's y axis numbers the vectors (the others share it) and the
/// reference's names the directions the same way. Text may use PLplot's escapes as in
/// `LineChart`.
public struct CosinePanels: Sendable, Hashable {
  /// One panel: its title and its cosines, rows from the top.
  public struct Panel: Sendable, Hashable {
    /// The title above the panel.
    public var title: String
    /// One row per vector, each with one cosine per direction, in -1...1.
    public var rows: [[Double]]
    /// A short text right of each row (e.g. a latent's hedging mass), under `notesTitle`;
    /// empty for none, else one per row (heat maps only).
    public var rowNotes: [String]
    /// The heading of `rowNotes`.
    public var notesTitle: String

    /// Creates a panel.
    ///
    /// - Parameters:
    ///   - title: the title above it.
    ///   - rows: one row per vector, each with one cosine in -1...1 per direction.
    ///   - rowNotes: a short text right of each row, one per row; none by default.
    ///   - notesTitle: the notes' heading.
    public init(title: String, rows: [[Double]], rowNotes: [String] = [], notesTitle: String = "") {
      self.title = title
      self.rows = rows
      self.rowNotes = rowNotes
      self.notesTitle = notesTitle
    }
  }

  /// The title above the panels; empty for none; a newline splits it into a title and a
  /// smaller subtitle line.
  public var title: String
  /// The panels, left to right; at least one, each with as many rows as the first and one
  /// value per direction in every row.
  public var panels: [Panel]
  /// The directions' cosines with each other (one row per direction, each with one value
  /// per direction), drawn right of the panels when they have two or more rows; nil for
  /// none.
  public var reference: Panel?
  /// The y-axis label of the first panel: what its rows are.
  public var rowLabel: String
  /// The x-axis label of every panel (and the reference's y-axis label): what the
  /// directions are.
  public var columnLabel: String
  /// One name per direction; nil to number the directions from 0.
  public var columnNames: [String]?

  /// Creates the figure.
  ///
  /// - Parameters:
  ///   - title: the title above the panels; empty (the default) for none.
  ///   - panels: at least one panel; every one with the same number of rows (at least
  ///     one), every row with the same number of cosines (at least one) in -1...1.
  ///   - reference: directions x directions cosines in -1...1, or nil for none.
  ///   - rowLabel: what the panels' rows are.
  ///   - columnLabel: what the directions are.
  ///   - columnNames: one name per direction, or nil for indices.
  public init(
    title: String = "", panels: [Panel], reference: Panel? = nil, rowLabel: String,
    columnLabel: String, columnNames: [String]? = nil
  ) {
    self.title = title
    self.panels = panels
    self.reference = reference
    self.rowLabel = rowLabel
    self.columnLabel = columnLabel
    self.columnNames = columnNames
  }
}

/// The size of a figure in device units: pixels for PNG, points for SVG and PDF.
public struct PlotSize: Sendable, Hashable, CustomStringConvertible {
  /// The width, in `allowed`.
  public var width: Int
  /// The height, in `allowed`.
  public var height: Int
  /// Device units per layout unit, in 0.25...20: 1 for sizes given in pixels or points,
  /// dpi / 72 for a PNG whose size was given in inches (its text, lines and dots then
  /// have the physical sizes of the same figure as SVG or PDF).
  public var density: Double

  /// Creates a size; `Plotter` rejects a side outside `PlotSize.allowed`.
  public init(width: Int, height: Int, density: Double = 1) {
    self.width = width
    self.height = height
    self.density = density
  }

  /// 1200x800: readable at 100% on a laptop screen.
  public static let standard = PlotSize(width: 1200, height: 800)
  /// 6.5 x 4.33 inches in points (468x312): the default for SVG and PDF.
  public static let page = PlotSize(width: 468, height: 312)
  /// The accepted range for either side.
  public static let allowed: ClosedRange<Int> = 100...8000
  /// The resolution of a PNG whose size is given in inches or points.
  public static let printDPI = 300.0

  /// The size of a figure `width` x `height` points (1/72 inch) in `format`: the points
  /// themselves for SVG and PDF, `printDPI` pixels per inch for PNG.
  ///
  /// - Parameters:
  ///   - width: finite, positive.
  ///   - height: finite, positive.
  public static func physical(width: Double, height: Double, format: ImageFormat) -> PlotSize {
    let density = format.isVector ? 1 : printDPI / 72
    return PlotSize(
      width: Int((width * density).rounded()), height: Int((height * density).rounded()),
      density: density)
  }

  /// "WIDTHxHEIGHT", e.g. "1200x800".
  public var description: String { "\(width)x\(height)" }
}
