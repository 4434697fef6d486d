/// Where the plot area of a drawn figure lies, in pixels, and which data ranges it shows.
///
/// Pixel coordinates have their origin at the top-left corner of the image, columns
/// growing to the right and rows growing downwards; edges are at pixel boundaries.
public struct PlotFrame: Sendable, Hashable {
  /// The pixel column of the left edge of the plot area.
  public var left: Double
  /// The pixel column of the right edge of the plot area.
  public var right: Double
  /// The pixel row of the top edge of the plot area.
  public var top: Double
  /// The pixel row of the bottom edge of the plot area.
  public var bottom: Double
  /// The x values at the left and right edges.
  public var xRange: ClosedRange<Double>
  /// The left-axis values at the bottom and top edges (the y axis of a heat map).
  public var leftRange: ClosedRange<Double>
  /// The right-axis values at the bottom and top edges; nil without a right axis.
  public var rightRange: ClosedRange<Double>?

  /// The pixel column (fractional) at which `x` is drawn.
  public func column(x: Double) -> Double {
    left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (right - left)
  }

  /// The pixel row (fractional) at which `y`, measured on `axis`, is drawn.
  ///
  /// - Parameters:
  ///   - y: the value.
  ///   - axis: the axis it is measured against; `.right` needs `rightRange`.
  public func row(y: Double, axis: YAxis = .left) -> Double {
    let range = (axis == .right ? rightRange : nil) ?? leftRange
    return bottom - (y - range.lowerBound) / (range.upperBound - range.lowerBound) * (bottom - top)
  }
}

/// A figure drawn into memory: RGBA pixels plus the position of its plot area.
public struct Raster: Sendable, Hashable {
  /// The width in pixels.
  public var width: Int
  /// The height in pixels.
  public var height: Int
  /// Row-major RGBA bytes from the top-left corner, `4 * width * height` of them.
  public var pixels: [UInt8]
  /// Where the plot area lies.
  public var frame: PlotFrame

  /// The colour of the pixel at (`column`, `row`), ignoring alpha.
  ///
  /// - Parameters:
  ///   - column: 0..<width.
  ///   - row: 0..<height.
  public func color(column: Int, row: Int) -> PlotColor {
    precondition((0..<width).contains(column) && (0..<height).contains(row), "pixel out of range")
    let i = 4 * (row * width + column)
    return PlotColor(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
  }
}
