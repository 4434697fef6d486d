import _CPLplot

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Drawing helpers over an initialised PLplot stream; used only inside a `Plotter` session.
///
/// Lengths are given in pixels of the default 1200x800 figure (`scale` converts them to
/// this figure) or in "em", the height of the base character in this figure.
struct Canvas {
  /// The figure size.
  let size: PlotSize
  /// How much text, lines and dots grow relative to 1200x800.
  let scale: Double
  /// The base character height in mm (PLplot's unit for text).
  let characterHeight: Double
  /// Device pixels per mm.
  let pixelsPerMM: Double
  /// The colour table.
  let colors = ColorTable()
  /// True for SVG and PDF: large areas of cells are then embedded as one image.
  let isVector: Bool

  /// The base character height in pixels.
  var em: Double { characterHeight * pixelsPerMM }

  init(size: PlotSize, isVector: Bool = false) {
    self.size = size
    self.isVector = isVector
    // Bigger figures keep the look of 1200x800; smaller ones shrink their text and lines
    // less than their area so that they stay readable (a 3.25 inch column figure gets
    // 7 pt tick labels). Sizes are measured in layout units (device units / density).
    scale = Canvas.layoutScale(size) * size.density
    var xmin = 0.0
    var xmax = 0.0
    var ymin = 0.0
    var ymax = 0.0
    c_plgspa(&xmin, &xmax, &ymin, &ymax)
    let widthMM = xmax - xmin
    pixelsPerMM = widthMM > 0 ? Double(size.width) / widthMM : 72 / 25.4
    characterHeight = Canvas.em(for: size) / pixelsPerMM
    c_plschr(characterHeight, 1.0)
    c_plsmaj(0.5 * characterHeight, 1.0)
    c_plsmin(0.25 * characterHeight, 1.0)
    colors.install()
  }

  /// The base character height in pixels of a figure of `size` (what `em` will be).
  static func em(for size: PlotSize) -> Double {
    // 17 px at 1200x800: tick labels about 13 px high, like an 11 pt matplotlib font at 110 dpi.
    max(5.0 * size.density, 17.0 * (layoutScale(size) * size.density))
  }

  /// Sets the viewport to the pixel edges of `frame` and the window to its ranges.
  func enter(_ frame: PlotFrame) {
    let w = Double(size.width)
    let h = Double(size.height)
    c_plvpor(frame.left / w, frame.right / w, 1 - frame.bottom / h, 1 - frame.top / h)
    c_plwind(
      frame.xRange.lowerBound, frame.xRange.upperBound, frame.leftRange.lowerBound,
      frame.leftRange.upperBound)
  }

  /// How much text, lines and dots grow relative to 1200x800, in layout units: in
  /// proportion to a bigger figure, as size^0.7 for a smaller one.
  static func layoutScale(_ size: PlotSize) -> Double {
    let ratio = min(
      Double(size.width) / size.density / 1200, Double(size.height) / size.density / 800)
    return ratio >= 1 ? ratio : pow(ratio, 0.7)
  }

  /// Sets the text size to `factor` times the base character height.
  func textScale(_ factor: Double) { c_plschr(0, factor) }

  /// Sets the line width from pixels at the default size.
  func lineWidth(_ pixels: Double) { c_plwidth(max(0.5, pixels * scale)) }

  /// Sets the current colour.
  func color(_ c: PlotColor) { c_plcol0(colors.index(of: c)) }

  /// Sets the current colour to one of the fixed ones.
  func use(_ fixed: ColorTable.Fixed) { c_plcol0(fixed.rawValue) }

  /// Sets the viewport from pixel margins (left, right, top, bottom) and returns its edges.
  ///
  /// Edges are snapped to pixel centres so that a one-pixel frame line is crisp.
  func viewport(left: Double, right: Double, top: Double, bottom: Double) -> (
    left: Double, right: Double, top: Double, bottom: Double
  ) {
    let w = Double(size.width)
    let h = Double(size.height)
    func snap(_ v: Double) -> Double { v.rounded(.down) + 0.5 }
    let l = snap(left)
    let r = snap(w - right)
    let t = snap(top)
    let b = snap(h - bottom)
    c_plvpor(l / w, r / w, 1 - b / h, 1 - t / h)
    return (l, r, t, b)
  }

  /// Draws a polyline in world coordinates.
  func polyline(_ xs: [Double], _ ys: [Double]) {
    guard xs.count > 1 else { return }
    xs.withUnsafeBufferPointer { x in
      ys.withUnsafeBufferPointer { y in
        c_plline(PLINT(x.count), x.baseAddress, y.baseAddress)
      }
    }
  }

  /// Fills a polygon in world coordinates.
  func polygon(_ xs: [Double], _ ys: [Double]) {
    guard xs.count > 2 else { return }
    xs.withUnsafeBufferPointer { x in
      ys.withUnsafeBufferPointer { y in
        c_plfill(PLINT(x.count), x.baseAddress, y.baseAddress)
      }
    }
  }

  /// Sets a dash pattern whose dashes grow with the figure like its lines do.
  func dash(_ d: LineDash) {
    // On/off lengths in pixels at 1200x800 (after matplotlib's patterns for 2.5 px lines).
    let pattern: [Double]
    switch d {
    case .solid:
      c_pllsty(1)
      return
    case .dashed: pattern = [9, 4.5]
    case .dotted: pattern = [2.2, 3.6]
    case .dashDot: pattern = [9, 3.6, 2.2, 3.6]
    }
    let micrometres = pattern.map { PLINT(max(1, ($0 * scale / pixelsPerMM * 1000).rounded())) }
    var marks = stride(from: 0, to: micrometres.count, by: 2).map { micrometres[$0] }
    var spaces = stride(from: 1, to: micrometres.count, by: 2).map { micrometres[$0] }
    c_plstyl(PLINT(marks.count), &marks, &spaces)
  }

  /// A rough width of `text` in em, for layout decisions only (DejaVu Sans metrics).
  static func estimatedWidth(_ text: String) -> Double {
    var w = 0.0
    for ch in text.unicodeScalars {
      switch ch {
      case "i", "l", "j", "'", "|", ".", ",", ":", ";", "!", "I": w += 0.28
      case " ", "f", "t", "r", "(", ")", "[", "]", "/", "-": w += 0.36
      case "m", "w", "M", "W": w += 0.9
      case "A"..."Z": w += 0.7
      default: w += 0.6
      }
    }
    // The table runs about 5% short of DejaVu Sans as measured; err on the wide side.
    return 1.08 * w
  }
}

/// cmap0 indices: a few fixed colours, then one per distinct data colour.
final class ColorTable {
  /// Colours with a fixed index.
  enum Fixed: PLINT {
    case background = 0
    case ink = 1
    case grid = 2
    case guide = 3
    case border = 4
    case scratch = 5
    case missing = 6
    case muted = 7
    case legend = 8
  }

  private var indices: [PlotColor: PLINT] = [:]
  private var next: PLINT = 16

  func install() {
    let fixed: [(Fixed, PlotColor)] = [
      (.background, .white), (.ink, .ink), (.grid, PlotColor(hex: 0xE6E6E6)),
      (.guide, PlotColor(hex: 0x8C8C8C)), (.border, PlotColor(hex: 0xB0B0B0)),
      (.scratch, .white), (.missing, PlotColor(hex: 0xD4D4D4)), (.muted, PlotColor(hex: 0x555555)),
    ]
    for (slot, c) in fixed { set(slot.rawValue, c) }
  }

  /// The index holding `c`, allocating one if needed (the scratch index once all 256 are used).
  func index(of c: PlotColor) -> PLINT {
    if let i = indices[c] { return i }
    guard next < 256 else {
      set(Fixed.scratch.rawValue, c)
      return Fixed.scratch.rawValue
    }
    let i = next
    next += 1
    set(i, c)
    indices[c] = i
    return i
  }

  func set(_ index: PLINT, _ c: PlotColor, alpha: Double = 1) {
    c_plscol0a(index, PLINT(c.red), PLINT(c.green), PLINT(c.blue), alpha)
  }
}

/// Evenly spaced "nice" tick values (steps of 1, 2, 2.5 or 5 times a power of ten).
struct Ticks {
  /// The narrowest span an axis over lo...hi can tick and label:
  /// max(1e-9 max(|lo|, |hi|), 1e-290). Narrower, its ticks would not be distinct numbers
  /// (PLplot's tick loop, x += step, would not advance) or its step would not be a normal
  /// number.
  static func minimumSpan(_ lo: Double, _ hi: Double) -> Double {
    max(1e-9 * max(abs(lo), abs(hi)), 1e-290)
  }

  /// True when an axis over `range` can be ticked and labelled: finite ends, a finite span
  /// of at least `minimumSpan`.
  static func canLabel(_ range: ClosedRange<Double>) -> Bool {
    let (lo, hi) = (range.lowerBound, range.upperBound)
    return lo.isFinite && hi.isFinite && (hi - lo).isFinite && hi - lo >= minimumSpan(lo, hi)
  }

  let step: Double
  let values: [Double]
  let decimals: Int
  /// The text at each value, for a categorical axis; nil for numbers.
  let labels: [String]?

  init(_ range: ClosedRange<Double>, target: Int = 6) {
    let span = range.upperBound - range.lowerBound
    let raw = span / Double(max(1, target))
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    // Among the nice steps near `raw`, the one whose tick count is closest to `target`
    // (the larger step on ties).
    func count(_ step: Double) -> Int {
      Int(
        (range.upperBound / step + 1e-9).rounded(.down)
          - (range.lowerBound / step - 1e-9).rounded(.up)) + 1
    }
    var best = (mantissa: 10.0, step: 10 * magnitude)
    for m in [10.0, 5.0, 2.5, 2.0, 1.0, 0.5] {
      let candidate = m * magnitude
      if abs(count(candidate) - target) < abs(count(best.step) - target) {
        best = (m == 0.5 ? 5 : m, candidate)
      }
    }
    let mantissa = best.mantissa
    step = best.step
    let first = (range.lowerBound / step - 1e-9).rounded(.up)
    let last = (range.upperBound / step + 1e-9).rounded(.down)
    var values: [Double] = []
    if first <= last && last - first < 1000 {
      for k in Int(first)...Int(last) { values.append(Double(k) * step) }
    }
    self.values = values
    let stepDecimals = -Int((log10(step) + 1e-9).rounded(.down))
    decimals = max(0, stepDecimals + (mantissa == 2.5 ? 1 : 0))
    labels = nil
  }

  /// Ticks every `step` at `values`, labelled `labels` (a categorical axis).
  init(values: [Double], labels: [String], step: Double) {
    self.step = step
    self.values = values
    self.labels = labels
    decimals = 0
  }

  /// The same ticks with empty labels (an axis that shares its neighbour's labels).
  var unlabelled: Ticks {
    Ticks(values: values, labels: values.map { _ in "" }, step: step)
  }

  /// The label of `value`: fixed-point with just enough decimals, or scientific when extreme.
  func label(_ value: Double) -> String {
    if let labels, let i = values.firstIndex(of: value) { return labels[i] }
    let biggest = values.map(abs).max() ?? abs(value)
    if decimals > 5 || biggest >= 1e6 {
      return Ticks.scientific(value, step: step)
    }
    var text = Ticks.fixed(value, decimals: decimals)
    if text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
      text.removeFirst()
    }
    return text
  }

  /// `value` rounded to `decimals` places, without Foundation.
  static func fixed(_ value: Double, decimals: Int) -> String {
    let factor = pow(10, Double(decimals))
    let scaled = (abs(value) * factor).rounded()
    let digits = integerDigits(scaled)
    let negative = value < 0 && scaled != 0
    guard decimals > 0 else { return (negative ? "-" : "") + digits }
    let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
    let cut = padded.index(padded.endIndex, offsetBy: -decimals)
    return (negative ? "-" : "") + padded[..<cut] + "." + padded[cut...]
  }

  /// `value` as m.mmme±x with the mantissa's decimals that keep ticks `step` apart distinct
  /// (at least one, at most 12).
  static func scientific(_ value: Double, step: Double) -> String {
    guard value != 0 else { return "0" }
    var exponent = Int((log10(abs(value))).rounded(.down))
    let stepExponent = Int((log10(step) + 1e-9).rounded(.down))
    let leading = step / pow(10, Double(stepExponent))
    let places = min(12, max(1, exponent - stepExponent + (abs(leading - 2.5) < 1e-6 ? 1 : 0)))
    var mantissa = value / pow(10, Double(exponent))
    // 9.99995 rounds up to 10.0000: print 1.0000e(x+1) instead.
    if abs((abs(mantissa) * pow(10, Double(places))).rounded()) >= 10 * pow(10, Double(places)) {
      exponent += 1
      mantissa = value / pow(10, Double(exponent))
    }
    return fixed(mantissa, decimals: places) + "e" + String(exponent)
  }

  private static func integerDigits(_ value: Double) -> String {
    // An integer-valued double below 2^63 prints exactly through Int64.
    value < 9e18 ? String(Int64(value)) : String(value)
  }
}
