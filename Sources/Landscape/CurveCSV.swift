import Reports

extension LossLandscape {
  /// The curve's CSV header: `t,mse,l2`, with the bias columns `mse_bias_FEATURE`,
  /// `l2_bias_FEATURE` when asked for.
  public func curveCSVHeader(biasColumns: Bool) -> String {
    var header = "t,mse,l2"
    if biasColumns {
      for kind in ["mse", "l2"] { for f in source.features { header += ",\(kind)_bias_\(f)" } }
    }
    return header + "\n"
  }

  /// The curve as CSV (what `curve` prints), handed to `emit` a block of rows at a time so
  /// memory stays constant; `emit` sees the header with the first block.
  ///
  /// - Parameters:
  ///   - points: evenly spaced t values, ends included (at least 2).
  ///   - biasColumns: add the decoder bias each loss uses at t.
  ///   - block: rows per call of `emit` (at least 1).
  public func curveCSV(
    points: Int, biasColumns: Bool = false, block: Int = 4096,
    _ emit: (CSVText) throws -> Void
  ) rethrows {
    let text = CSVText(capacity: min(block, points) * 64)
    text.append(contentsOf: curveCSVHeader(biasColumns: biasColumns))
    for start in stride(from: 0, to: points, by: block) {
      for i in start..<min(start + block, points) {
        let p = curvePoint(i, of: points)
        text.appendShortest(p.t)
        text.comma()
        text.append(p.mse)
        text.comma()
        text.append(p.l2)
        if biasColumns {
          for kind in LossKind.allCases {
            for b in bias(kind, at: p.t) {
              text.comma()
              text.append(b + 0)
            }
          }
        }
        text.newline()
      }
      try emit(text)
      text.removeAll()
    }
  }

  /// The whole curve CSV as bytes (for a bounded number of points).
  public func curveCSV(points: Int, biasColumns: Bool = false) -> [UInt8] {
    var bytes: [UInt8] = []
    curveCSV(points: points, biasColumns: biasColumns) { bytes += $0.bytes }
    return bytes
  }
}
