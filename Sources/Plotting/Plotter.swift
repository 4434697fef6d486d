import Synchronization
import _CPLplot

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one entry point that draws figures; it owns every PLplot call.
///
/// PLplot keeps global state and is not thread-safe, so every call is serialised
/// behind one lock and sets device, file name and page size before `plinit`.
/// `plinit` and `plend1` run under a guard in the C shim that turns PLplot's fatal
/// `plexit` (which would end the process) into `PlotError.plplot`; PLplot's non-fatal
/// errors are collected with `plsError` and thrown the same way. The device is checked
/// against PLplot's list first, so PLplot never prompts on stdin for another one.
/// Figures are validated before PLplot sees them and drawn in memory: the caller writes
/// the bytes (the command line through its one atomic writer).
public enum Plotter {
  /// The lock that serialises PLplot, with the error buffers PLplot writes into.
  private static let session = Mutex(Session())

  /// Draws `figure` into memory as the bytes of a .png, .svg or .pdf file.
  ///
  /// - Parameters:
  ///   - figure: the figure.
  ///   - format: the file format.
  ///   - size: pixels for PNG, points for SVG and PDF, each side in 100...8000; by default
  ///     `figure.defaultSize(for: format)`, wide enough for the printed values.
  /// - Returns: the file's bytes, what a file of the format holds.
  public static func data(
    _ figure: CosinePanels, format: ImageFormat, size: PlotSize? = nil
  ) throws(PlotError) -> [UInt8] {
    try figure.validate()
    return try drawToBytes(format: format, size: size ?? figure.defaultSize(for: format)) {
      canvas throws(PlotError) in
      _ = figure.draw(on: canvas)
    }
  }

  /// Draws `figure` into memory exactly as `data` draws a .png.
  ///
  /// - Returns: the pixels (their `frame` is the first panel's) and every panel's frame,
  ///   left to right.
  static func rasterize(_ figure: CosinePanels, size: PlotSize) throws(PlotError) -> (
    raster: Raster, panels: [PlotFrame]
  ) {
    try figure.validate()
    let (pixels, panels) = try drawInMemory(size: size) { canvas throws(PlotError) in
      figure.draw(on: canvas)
    }
    let raster = Raster(width: size.width, height: size.height, pixels: pixels, frame: panels[0])
    return (raster, panels)
  }

  /// Draws `chart` into memory as the bytes of a .png, .svg or .pdf file.
  ///
  /// - Parameters:
  ///   - chart: the figure.
  ///   - format: the file format.
  ///   - size: pixels for PNG, points for SVG and PDF, each side in 100...8000; by default
  ///     `format.defaultSize`.
  /// - Returns: the file's bytes, what a file of the format holds.
  public static func data(
    _ chart: LineChart, format: ImageFormat, size: PlotSize? = nil
  ) throws(PlotError) -> [UInt8] {
    try chart.validate()
    return try drawToBytes(format: format, size: size ?? format.defaultSize) {
      canvas throws(PlotError) in
      _ = try chart.draw(on: canvas)
    }
  }

  /// Draws `map` into memory as the bytes of a .png, .svg or .pdf file.
  ///
  /// - Parameters:
  ///   - map: the figure.
  ///   - format: the file format.
  ///   - size: pixels for PNG, points for SVG and PDF, each side in 100...8000; by default
  ///     `format.defaultSize`.
  /// - Returns: the file's bytes, what a file of the format holds.
  public static func data(
    _ map: HeatMap, format: ImageFormat, size: PlotSize? = nil
  ) throws(PlotError) -> [UInt8] {
    try map.validate()
    return try drawToBytes(format: format, size: size ?? format.defaultSize) {
      canvas throws(PlotError) in
      _ = try map.draw(on: canvas)
    }
  }

  /// Draws `chart` into memory exactly as `data` draws a .png.
  ///
  /// - Parameters:
  ///   - chart: the figure.
  ///   - size: each side in 100...8000.
  /// - Returns: the pixels and the position of the plot area.
  public static func rasterize(_ chart: LineChart, size: PlotSize = .standard) throws(PlotError)
    -> Raster
  {
    try chart.validate()
    let (pixels, frame) = try drawInMemory(size: size) { canvas throws(PlotError) in
      try chart.draw(on: canvas)
    }
    return Raster(width: size.width, height: size.height, pixels: pixels, frame: frame)
  }

  /// Draws `map` into memory exactly as `data` draws a .png.
  ///
  /// - Parameters:
  ///   - map: the figure.
  ///   - size: each side in 100...8000.
  /// - Returns: the pixels and the position of the plot area.
  public static func rasterize(_ map: HeatMap, size: PlotSize = .standard) throws(PlotError)
    -> Raster
  {
    try map.validate()
    let (pixels, frame) = try drawInMemory(size: size) { canvas throws(PlotError) in
      try map.draw(on: canvas)
    }
    return Raster(width: size.width, height: size.height, pixels: pixels, frame: frame)
  }

  /// The PLplot device that writes files with the extension of `path`.
  ///
  /// - Parameter path: a file path; the extension is matched case-insensitively.
  /// - Returns: "pngcairo", "svgcairo" or "pdfcairo".
  /// - Throws: `PlotError.unknownExtension` for anything else.
  public static func device(for path: String) throws(PlotError) -> String {
    try ImageFormat(path: path).device
  }
}

/// The file formats `Plotter` draws.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
  /// A PNG raster (sizes in pixels).
  case png
  /// An SVG vector file (sizes in points).
  case svg
  /// A PDF vector file (sizes in points).
  case pdf

  /// The format named by the extension of `path` (.png, .svg or .pdf, any case).
  ///
  /// - Throws: `PlotError.unknownExtension` for anything else.
  public init(path: String) throws(PlotError) {
    let name =
      path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    let ext = name.lastIndex(of: ".").map { String(name[$0...]) } ?? ""
    guard let format = ImageFormat(rawValue: String(ext.lowercased().dropFirst())), ext.count > 1
    else { throw .unknownExtension(path: path, extension: ext) }
    self = format
  }

  /// True for SVG and PDF, whose sizes are in points.
  public var isVector: Bool { self != .png }

  /// The size a figure gets when none is asked for: 1200x800 pixels for PNG, and
  /// `PlotSize.page` (6.5 x 4.33 inches, a printable page width) for SVG and PDF.
  public var defaultSize: PlotSize { isVector ? .page : .standard }

  /// The PLplot device that writes the format.
  var device: String { "\(rawValue)cairo" }
}

// MARK: - PLplot sessions

/// Error buffers handed to PLplot (`plsError`); allocated once, never freed.
private struct Session: @unchecked Sendable {
  let code: UnsafeMutablePointer<PLINT>
  let message: UnsafeMutablePointer<CChar>
  static let capacity = 2048

  init() {
    // Swift emits only the shim's inline functions it references itself: touch the two
    // that hold the plexit guard's state so the guards can link against them.
    _ = hl_plplot_jump()
    _ = hl_plplot_exit_message()
    code = .allocate(capacity: 1)
    code.initialize(to: 0)
    message = .allocate(capacity: Session.capacity)
    message.initialize(repeating: 0, count: Session.capacity)
  }

  func reset() {
    code.pointee = 0
    message.update(repeating: 0, count: Session.capacity)
  }

  func failure() -> PlotError? {
    guard code.pointee != 0 else { return nil }
    message[Session.capacity - 1] = 0
    return .plplot(String(cString: message))
  }
}

extension Plotter {
  /// Runs one PLplot session: sets every option, `plinit`, `draw`, `plend1`.
  ///
  /// `plinit` and `plend1` run under a C guard that turns PLplot's fatal `plexit` into
  /// a thrown error instead of an exit of the process.
  static func runSession<T: Sendable>(
    device: String, file: UnsafeMutablePointer<FILE>?, memory: UnsafeMutableRawPointer?,
    size: PlotSize, isVector: Bool = false, draw: (Canvas) throws(PlotError) -> T
  ) throws(PlotError) -> T {
    try session.withLock { (state: inout Session) throws(PlotError) -> T in
      guard deviceIsInstalled(device) else { throw .deviceUnavailable(device) }
      state.reset()
      plsError(state.code, state.message)
      c_plsdev(device)
      if let file { plsfile(file) }
      c_plspage(0, 0, PLINT(size.width), PLINT(size.height), 0, 0)
      if let memory { c_plsmema(PLINT(size.width), PLINT(size.height), memory) }
      c_plspause(0)
      c_plsori(0)
      c_plscolbg(255, 255, 255)
      c_plscmap0n(256)
      if hl_plinit_guarded() != 0 {
        let message = exitMessage()
        _ = hl_plend1_guarded()
        throw .plplot(message)
      }
      // plinit may have reset the stream: hand PLplot the buffers again.
      plsError(state.code, state.message)
      if let failure = state.failure() {
        _ = hl_plend1_guarded()
        throw failure
      }
      let result: T
      do throws(PlotError) {
        result = try draw(Canvas(size: size, isVector: isVector))
      } catch {
        _ = hl_plend1_guarded()
        throw error
      }
      if hl_plend1_guarded() != 0 { throw .plplot(exitMessage()) }
      if let failure = state.failure() { throw failure }
      return result
    }
  }

  private static func exitMessage() -> String {
    let text = String(cString: hl_plplot_exit_text())
    return text.isEmpty ? "fatal error" : text
  }

  /// True if PLplot lists `device` (checked so PLplot never prompts for another).
  private static func deviceIsInstalled(_ device: String) -> Bool {
    let capacity = 128
    var menus: UnsafeMutablePointer<PLCHAR_VECTOR?>? = .allocate(capacity: capacity)
    var names: UnsafeMutablePointer<PLCHAR_VECTOR?>? = .allocate(capacity: capacity)
    defer {
      menus?.deallocate()
      names?.deallocate()
    }
    menus?.initialize(repeating: nil, count: capacity)
    names?.initialize(repeating: nil, count: capacity)
    let buffers = (menus, names)
    var count = Int32(capacity)
    plgDevs(&menus, &names, &count)
    (menus, names) = buffers
    guard let names else { return false }
    return (0..<Int(max(0, min(count, Int32(capacity))))).contains {
      names[$0].map { String(cString: $0) } == device
    }
  }

  /// Runs a session on the memory device and returns the RGBA pixels and what `draw` returns.
  private static func drawInMemory<T: Sendable>(
    size: PlotSize, draw: (Canvas) throws(PlotError) -> T
  ) throws(PlotError) -> (pixels: [UInt8], result: T) {
    try size.validate()
    let count = 4 * size.width * size.height
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
    defer { buffer.deallocate() }
    // Opaque white, in case the device leaves pixels alone.
    buffer.initializeMemory(as: UInt8.self, repeating: 255, count: count)
    let result = try runSession(
      device: "memcairo", file: nil, memory: buffer, size: size, draw: draw)
    return ([UInt8](UnsafeRawBufferPointer(start: buffer, count: count)), result)
  }

  /// Runs a session whose device writes into a memory stream and returns its bytes.
  ///
  /// PLplot closes the stream in `plend1`, which completes the buffer.
  private static func drawToBytes(
    format: ImageFormat, size: PlotSize, draw: (Canvas) throws(PlotError) -> Void
  ) throws(PlotError) -> [UInt8] {
    try size.validate()
    var buffer: UnsafeMutablePointer<CChar>? = nil
    var length = 0
    guard let stream = open_memstream(&buffer, &length) else {
      throw .plplot("cannot open a memory stream (\(systemMessage(errno)))")
    }
    // After a failed session the stream may be open still: leave it (and its buffer) be
    // rather than risk closing it twice.
    try runSession(
      device: format.device, file: stream, memory: nil, size: size, isVector: format.isVector,
      draw: draw)
    defer { free(buffer) }
    guard let buffer, length > 0 else { throw .plplot("no output was written") }
    return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
  }
}

private func systemMessage(_ code: Int32) -> String {
  String(cString: strerror(code))
}

/// A figure the Plotter draws: its bytes in a format, by `Plotter.data`.
public protocol PlotFigure: Sendable {
  /// The figure as the bytes of a .png, .svg or .pdf file (`Plotter.data`).
  func data(format: ImageFormat, size: PlotSize?) throws(PlotError) -> [UInt8]
}

extension LineChart: PlotFigure {
  public func data(format: ImageFormat, size: PlotSize?) throws(PlotError) -> [UInt8] {
    try Plotter.data(self, format: format, size: size)
  }
}

extension HeatMap: PlotFigure {
  public func data(format: ImageFormat, size: PlotSize?) throws(PlotError) -> [UInt8] {
    try Plotter.data(self, format: format, size: size)
  }
}

extension CosinePanels: PlotFigure {
  public func data(format: ImageFormat, size: PlotSize?) throws(PlotError) -> [UInt8] {
    try Plotter.data(self, format: format, size: size)
  }
}
