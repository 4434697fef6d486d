/// A plain-text table: columns left-aligned, each as wide as its widest cell plus a gap,
/// trailing spaces dropped from every line.
///
/// The text reports of the command line are built from it (and from `TextTable.pad` where a
/// report lays out fixed columns of its own).
///
/// ```
/// var t = TextTable(header: ["case", "verdict"])
/// t.append(["independent", "pass"])
/// t.text   // "case         verdict\nindependent  pass\n"
/// ```
public struct TextTable: Sendable, Hashable {
  /// The rows, the header first; every row has as many cells as the header.
  public private(set) var rows: [[String]]
  /// Spaces after the widest cell of a column, >= 1.
  public var gap: Int

  public init(header: [String], gap: Int = 2) {
    rows = [header]
    self.gap = gap
  }

  /// Appends a row (missing cells are empty, extra cells dropped).
  public mutating func append(_ row: [String]) {
    let n = rows[0].count
    rows.append(Array((row + Array(repeating: "", count: max(0, n - row.count))).prefix(n)))
  }

  /// The table, one line per row, each ending in a newline.
  public var text: String {
    let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
    return rows.map { row in
      TextTable.trimmed(row.enumerated().map { i, cell in TextTable.pad(cell, widths[i] + gap) }
        .joined()) + "\n"
    }.joined()
  }

  /// `s` padded with spaces to `width` characters; one space after it when it is as long or
  /// longer, so that cells never touch.
  public static func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
  }

  /// `line` without its trailing spaces.
  public static func trimmed(_ line: String) -> String {
    String(line.reversed().drop { $0 == " " }.reversed())
  }
}

extension TextTable {
  /// `x` with `places` decimals, minus zero (and a negative number that rounds to zero)
  /// written without its sign: `0.0000`, not `-0.0000`.
  public static func decimal(_ x: Double, places: Int = 4) -> String {
    let s = String(format: "%.\(places)f", x)
    return s.hasPrefix("-") && s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." })
      ? String(s.dropFirst()) : s
  }

  /// `x` to at most four decimals, trailing zeros dropped, minus zero as 0 (`0.2324`, `0.5`,
  /// `1`): the numbers of summaries and figure labels.
  public static func short(_ x: Double) -> String {
    var s = String(format: "%.4f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
  }
}
