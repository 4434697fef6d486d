/// A study's table read back (`runs.csv`, `latents.csv`): named columns, rows of cells as
/// written.
///
/// The columns are `run`, the varied fields by their case-file paths (`sae.latents`), `seed`,
/// then the measures (`status`, `error`, `mse`, ...); a cell is empty where a value is missing.
public struct StudyTable: Sendable, Hashable {
  /// The header row.
  public var columns: [String]
  /// The data rows, each with one cell per column.
  public var rows: [[String]]

  /// Creates a table.
  ///
  /// - Parameters:
  ///   - columns: the header's names.
  ///   - rows: the data rows, each as many cells as `columns`.
  public init(columns: [String], rows: [[String]]) {
    self.columns = columns
    self.rows = rows
  }

  /// Reads a table from CSV text (RFC 4180: the first record is the header; fields in double
  /// quotes may hold commas, line breaks and doubled quotes; records end in LF or CRLF, the last
  /// one may not).
  ///
  /// - Parameter text: the whole file.
  /// - Throws: `CSVError` naming the line of an unclosed quote, a character after a closing
  ///   quote, a record whose field count differs from the header's, or an empty text.
  public init(csv text: String) throws(CSVError) {
    let records = try CSVRecords.parse(text)
    guard let header = records.first else { throw CSVError(line: 1, reason: "has no header row") }
    for record in records.dropFirst() where record.fields.count != header.fields.count {
      throw CSVError(
        line: record.line,
        reason: "has \(record.fields.count) fields, the header \(header.fields.count)")
    }
    self.init(columns: header.fields, rows: records.dropFirst().map(\.fields))
  }

  /// The varied fields: the columns after `run` and before `seed` (none when either is missing).
  public var fields: [String] {
    guard let run = columns.firstIndex(of: "run"), let seed = columns.firstIndex(of: "seed"),
      run < seed
    else { return [] }
    return Array(columns[(run + 1)..<seed])
  }

  /// The index of the column `name`; nil when there is none.
  public func index(of name: String) -> Int? { columns.firstIndex(of: name) }

  /// The rows of runs that did not fail: status not `failed` (every row without a status
  /// column).
  public var finishedRows: [[String]] {
    guard let status = index(of: "status") else { return rows }
    return rows.filter { $0[status] != "failed" }
  }

  /// How many rows record a failed run (status `failed`).
  public var failedCount: Int { rows.count - finishedRows.count }
}

/// A CSV text that cannot be read: the line (1 for the first) and what is wrong there.
public struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The line the record starts on, 1 for the first.
  public var line: Int
  /// What is wrong (`has 3 fields, the header 4`).
  public var reason: String

  public init(line: Int, reason: String) {
    self.line = line
    self.reason = reason
  }

  public var description: String { "line \(line) \(reason)" }
}

/// RFC 4180 records with the line each starts on.
enum CSVRecords {
  /// Splits `text` into records of fields; a final line break adds no empty record.
  static func parse(_ text: String) throws(CSVError) -> [(line: Int, fields: [String])] {
    var records: [(line: Int, fields: [String])] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var line = 1
    var start = 1
    var quoted = false  // inside a quoted field
    var closed = false  // just after a quoted field's closing quote
    var atRecordStart = true
    let bytes = Array(text.utf8)
    var i = 0
    func endField() {
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      closed = false
    }
    while i < bytes.count {
      let b = bytes[i]
      if quoted {
        if b == UInt8(ascii: "\"") {
          if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
            field.append(b)
            i += 1
          } else {
            quoted = false
            closed = true
          }
        } else {
          if b == UInt8(ascii: "\n") { line += 1 }
          field.append(b)
        }
        i += 1
        continue
      }
      switch b {
      case UInt8(ascii: ","):
        endField()
        atRecordStart = false
      case UInt8(ascii: "\r") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n"):
        break
      case UInt8(ascii: "\n"):
        endField()
        records.append((start, fields))
        fields.removeAll()
        line += 1
        start = line
        atRecordStart = true
      case UInt8(ascii: "\"") where field.isEmpty && !closed:
        quoted = true
        atRecordStart = false
      default:
        if closed { throw CSVError(line: line, reason: "has a character after a closing quote") }
        field.append(b)
        atRecordStart = false
      }
      i += 1
    }
    if quoted { throw CSVError(line: start, reason: "has a quote that is never closed") }
    if !atRecordStart || !fields.isEmpty {
      endField()
      records.append((start, fields))
    }
    return records
  }
}
