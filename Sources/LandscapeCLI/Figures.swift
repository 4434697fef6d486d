import Foundation
import Landscape
import LandscapeFigures
import Plotting

extension PlotSize {
  /// The named sizes `--size` accepts, in points.
  static let presets: [(name: String, width: Double, height: Double)] = [
    ("column", 3.25 * 72, 2.2 * 72), ("page", 6.5 * 72, 4.33 * 72), ("slide", 10 * 72, 5.625 * 72),
  ]

  /// Parses a `--size` value for a figure written to `path`: "WIDTHxHEIGHT" in device
  /// units (pixels for .png, points for .svg and .pdf), lengths with units ("3.25inx2.2in",
  /// "234ptx158pt": inches or points, drawn at 300 dpi in a .png), or a preset (column,
  /// page, slide). Nil gives the format's default (1200x800 pixels, or 6.5 x 4.33 in).
  static func parse(_ s: String?, field: String, for path: String) throws -> PlotSize? {
    guard let s else { return nil }
    let format = (try? ImageFormat(path: path)) ?? .png
    func invalid() -> CaseError {
      CaseError(
        field: field, value: "\"\(s)\"",
        reason:
          "is not WIDTHxHEIGHT (pixels for .png, points for .svg/.pdf), lengths such as "
          + "3.25inx2.2in or 234ptx158pt, or one of column, page, slide, with each side in "
          + "\(PlotSize.allowed.lowerBound)...\(PlotSize.allowed.upperBound) pixels or points")
    }
    let size: PlotSize
    if let preset = presets.first(where: { $0.name == s.lowercased() }) {
      size = .physical(width: preset.width, height: preset.height, format: format)
    } else {
      let parts = s.lowercased().split(separator: "x", omittingEmptySubsequences: false)
      guard parts.count == 2 else { throw invalid() }
      if let w = Int(parts[0]), let h = Int(parts[1]) {
        size = PlotSize(width: w, height: h)
      } else {
        guard let w = points(parts[0]), let h = points(parts[1]) else { throw invalid() }
        size = .physical(width: w, height: h, format: format)
      }
    }
    guard PlotSize.allowed.contains(size.width), PlotSize.allowed.contains(size.height) else {
      throw invalid()
    }
    return size
  }

  /// A length with its unit ("3.25in", "72pt") in points; nil for anything else.
  private static func points(_ text: Substring) -> Double? {
    for (unit, factor) in [("in", 72.0), ("pt", 1.0)] where text.hasSuffix(unit) {
      guard let value = Double(text.dropLast(unit.count)), value.isFinite, value > 0 else {
        return nil
      }
      return value * factor
    }
    return nil
  }
}

extension Figures {
  /// Draws a figure (a chart, a heat map, an SAE's cosines) to a file, naming the flag in
  /// any error.
  static func write(
    _ figure: some PlotFigure, to path: String, size: PlotSize? = nil, field: String = "--plot"
  ) throws {
    try write(to: path, field: field) { format throws(PlotError) in
      try figure.data(format: format, size: size)
    }
  }

  /// Draws in memory, then writes the bytes as every output file is written
  /// (`OutputFile`): symlinks followed, devices and FIFOs streamed, regular files
  /// replaced atomically and removed on a signal.
  private static func write(
    to path: String, field: String, _ draw: (ImageFormat) throws(PlotError) -> [UInt8]
  ) throws {
    let bytes: [UInt8]
    do { bytes = try draw(try ImageFormat(path: path)) } catch {
      throw CaseError(field: field, value: "", reason: error.description)
    }
    try OutputFile.write(Data(bytes), to: path, field: field)
  }

  /// Checks that a figure can be written at `path` (known extension), naming the flag.
  static func check(_ path: String, field: String = "--plot") throws {
    do { _ = try Plotter.device(for: path) } catch {
      throw CaseError(field: field, value: "", reason: error.description)
    }
    try OutputFile.check(path, field: field)
  }
}
