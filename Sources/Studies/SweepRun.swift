import Landscape
import Reports

/// A sweep over firing probabilities computed in chunks on several threads, each chunk
/// formatted as CSV on the thread that computed it: what `landscape sweep` runs.
public struct SweepRun: Sendable {
  public var sweep: Sweep
  /// The points computed: a sub-range of 0..<sweep.count (a shard), in order.
  public var range: Range<Int>
  /// Threads, >= 1.
  public var jobs: Int
  /// Whether each chunk's CSV rows are formatted, and whether its rows are kept (a figure
  /// needs them).
  public var formatsText: Bool
  public var keepsRows: Bool

  public init(sweep: Sweep, range: Range<Int>, jobs: Int, formatsText: Bool, keepsRows: Bool) {
    self.sweep = sweep
    self.range = range
    self.jobs = jobs
    self.formatsText = formatsText
    self.keepsRows = keepsRows
  }

  /// One computed chunk: its CSV rows, how many of its points were skipped (probabilities
  /// summing past 1), and its rows when kept.
  public struct Chunk: @unchecked Sendable {
    public var text: CSVText?
    public var skipped: Int
    public var rows: [SweepRow?]
  }

  /// The computed chunks, in order; progress in points done.
  /// - Throws: `CancellationError`.
  public func run(_ control: RunControl = .none) throws -> SweepTable {
    let total = range.count
    let axisText = SweepTable.axisText(sweep)
    let (sweep, formatsText, keepsRows) = (self.sweep, self.formatsText, self.keepsRows)
    let chunks = try sweep.mapChunks(
      in: range, jobs: jobs, progress: { control.report($0, of: total, "sweep") },
      isCancelled: control.isCancelled
    ) { first, rows in
      Chunk(
        text: formatsText
          ? SweepTable.csv(rows, first: first, sweep: sweep, axisText: axisText) : nil,
        skipped: rows.reduce(0) { $0 + ($1 == nil ? 1 : 0) },
        rows: keepsRows ? Array(rows) : [])
    }
    return SweepTable(sweep: sweep, chunks: chunks)
  }
}

/// A computed sweep as CSV: a header (the varied probabilities, then the minima's columns)
/// and one row per point whose probabilities sum to at most 1.
public struct SweepTable: @unchecked Sendable {
  public var sweep: Sweep
  public var chunks: [SweepRun.Chunk]

  /// Points skipped because their probabilities sum past 1.
  public var skipped: Int { chunks.reduce(0) { $0 + $1.skipped } }
  /// Every kept row, in order (empty unless the run kept them).
  public var rows: [SweepRow?] { chunks.flatMap(\.rows) }

  /// The CSV header's names.
  public static func columns(_ sweep: Sweep) -> [String] {
    sweep.axes.map(\.name) + SweepColumn.allCases.map(\.rawValue)
  }

  /// Hands the header line (when `header`) and every chunk's rows to `write`, in order,
  /// without copying them.
  public func write(header: Bool, to write: (UnsafeRawBufferPointer) throws -> Void) throws {
    if header {
      var line = Self.columns(sweep).joined(separator: ",") + "\n"
      try line.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
    for chunk in chunks { try chunk.text?.withUnsafeBytes(write) }
  }

  /// Each axis value formatted once ("0.25,"), to be copied into every row that has it.
  static func axisText(_ sweep: Sweep) -> [[[UInt8]]] {
    sweep.axes.map { axis in
      axis.values.map { v in
        let text = CSVText()
        text.appendShortest(v)
        text.comma()
        return text.bytes
      }
    }
  }

  /// The CSV rows of one chunk (skipped points leave no row).
  static func csv(
    _ rows: UnsafeBufferPointer<SweepRow?>, first: Int, sweep: Sweep, axisText: [[[UInt8]]]
  ) -> CSVText {
    let text = CSVText(capacity: rows.count * 140)
    let inner = sweep.axes.count == 2 ? sweep.axes[1].values.count : 1
    for (k, row) in rows.enumerated() {
      guard let row else { continue }
      let i = first + k
      text.append(bytes: axisText[0][i / inner])
      if axisText.count == 2 { text.append(bytes: axisText[1][i % inner]) }
      for (c, column) in SweepColumn.allCases.enumerated() {
        if c > 0 { text.comma() }
        column.write(row, to: text)
      }
      text.newline()
    }
    return text
  }
}
