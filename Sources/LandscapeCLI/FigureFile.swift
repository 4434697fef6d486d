import ArgumentParser
import Foundation
import Landscape
import Plotting
import ToyModels

/// `--size`: a figure's size as written, "WIDTHxHEIGHT" in device units (pixels for .png,
/// points for .svg and .pdf), lengths with units ("3.25inx2.2in", "234ptx158pt": inches or
/// points, drawn at 300 dpi in a .png), or a preset (column, page, slide); what it is in
/// pixels or points depends on the figure's format (`plotSize(for:)`).
struct FigureSize: ExpressibleByArgument, Hashable {
  /// The named sizes, in points.
  static let presets: [(name: String, width: Double, height: Double)] = [
    ("column", 3.25 * 72, 2.2 * 72), ("page", 6.5 * 72, 4.33 * 72), ("slide", 10 * 72, 5.625 * 72),
  ]

  enum Spec: Hashable {
    /// Pixels (.png) or points (.svg, .pdf).
    case device(width: Int, height: Int)
    /// Points, whatever the format.
    case physical(width: Double, height: Double)
  }

  /// The help every `--size` option shows.
  static let help = ArgumentHelp(
    "The figure's size: WIDTHxHEIGHT (pixels for .png, points for .svg and .pdf), lengths such as 3.25inx2.2in, or column, page, slide.",
    valueName: "WxH")

  let spec: Spec
  /// As written, for messages.
  let text: String

  init?(argument: String) {
    text = argument
    let s = argument.lowercased()
    if let preset = Self.presets.first(where: { $0.name == s }) {
      spec = .physical(width: preset.width, height: preset.height)
      return
    }
    let parts = s.split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return nil }
    if let w = Int(parts[0]), let h = Int(parts[1]) {
      spec = .device(width: w, height: h)
    } else if let w = Self.points(parts[0]), let h = Self.points(parts[1]) {
      spec = .physical(width: w, height: h)
    } else {
      return nil
    }
  }

  /// The size of a figure written to `path` (its extension's format; PNG when unknown).
  /// - Throws: `FieldError` naming --size when a side is outside PlotSize.allowed.
  func plotSize(for path: String) throws -> PlotSize {
    let format = (try? ImageFormat(path: path)) ?? .png
    let size: PlotSize
    switch spec {
    case .device(let w, let h): size = PlotSize(width: w, height: h)
    case .physical(let w, let h): size = .physical(width: w, height: h, format: format)
    }
    guard PlotSize.allowed.contains(size.width), PlotSize.allowed.contains(size.height) else {
      throw FieldError(
        flag: "--size", value: "\"\(text)\"",
        reason:
          "is \(size.width)x\(size.height) \(format == .png ? "pixels" : "points"): each side must be in "
          + "\(PlotSize.allowed.lowerBound)...\(PlotSize.allowed.upperBound)")
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

/// A figure's file: drawn in memory by Plotting, written by `OutputFile` (the one writer of
/// every output file).
enum FigureFile {
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
      throw FieldError(flag: field, value: "", reason: error.description)
    }
    try OutputFile.write(Data(bytes), to: path, field: field)
  }

  /// Checks that a figure can be written at `path` (known extension), naming the flag.
  static func check(_ path: String, field: String = "--plot") throws {
    do { _ = try Plotter.device(for: path) } catch {
      throw FieldError(flag: field, value: "", reason: error.description)
    }
    try OutputFile.check(path, field: field)
  }
}
