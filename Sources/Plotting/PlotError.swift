/// Why a figure could not be drawn.
///
/// Each `description` is one line that names the offending field or path and its value.
/// A command line can prefix it with the option name (e.g. "--plot: ").
public enum PlotError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The output path does not end in .png, .svg or .pdf.
  case unknownExtension(path: String, extension: String)
  /// A side of the requested size is outside `PlotSize.allowed`.
  case invalidSize(PlotSize)
  /// A figure field is empty, mismatched, non-finite or out of range.
  case invalidData(field: String, problem: String)
  /// The PLplot device for the output format is not installed.
  case deviceUnavailable(String)
  /// PLplot reported an error while drawing.
  case plplot(String)

  /// One line naming the field or path and the value at fault.
  public var description: String {
    switch self {
    case .unknownExtension(let path, let ext):
      let shown = ext.isEmpty ? "no extension" : "unknown extension \"\(ext)\""
      return "\(shown) in \"\(path)\" (use .png, .svg or .pdf)"
    case .invalidSize(let size):
      return
        "size: \(size) is not within \(PlotSize.allowed.lowerBound)...\(PlotSize.allowed.upperBound)"
    case .invalidData(let field, let problem):
      return "\(field): \(problem)"
    case .deviceUnavailable(let device):
      return "PLplot device \"\(device)\" is not installed (Debian: plplot-driver-cairo)"
    case .plplot(let message):
      let line = message.split(whereSeparator: \.isNewline).map(String.init)
        .filter { !$0.isEmpty && !$0.contains("PLPLOT WARNING") }.joined(separator: "; ")
      return "PLplot: \(line.isEmpty ? "unknown error" : line)"
    }
  }
}
