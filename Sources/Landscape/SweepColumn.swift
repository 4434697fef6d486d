import Reports

/// A column of a sweep's table: its CSV name, its title in figures, its value in a row.
///
/// The order of `allCases` is the CSV's column order after the varied probabilities.
public enum SweepColumn: String, CaseIterable, Sendable, Hashable {
  case mseT = "mse_t"
  case mseLoss = "mse_loss"
  case l2T = "l2_t"
  case l2Loss = "l2_loss"
  case l2Minima = "l2_minima"
  case parentL2Local = "parent_l2_local"
  case mergedL2Local = "merged_l2_local"
  case hedging

  /// The columns a figure can colour or plot: every number but the two yes/no columns.
  public static let plottable: [SweepColumn] = allCases.filter { !$0.isFlag }

  /// True for the yes/no columns (parent_l2_local, merged_l2_local).
  public var isFlag: Bool { self == .parentL2Local || self == .mergedL2Local }

  /// True for a count of categories (drawn as a key of swatches, not a colour bar).
  public var isCount: Bool { self == .l2Minima }

  /// What a figure calls it.
  public var title: String {
    switch self {
    case .mseT: "MSE-optimal t (hedging)"
    case .mseLoss: "minimum MSE"
    case .l2T: "L2-optimal t"
    case .l2Loss: "minimum L2"
    case .l2Minima: "L2 local minima"
    case .parentL2Local: "parent is an L2 local minimum"
    case .mergedL2Local: "merged is an L2 local minimum"
    case .hedging: "hedging (child/parent) at the MSE minimum"
    }
  }

  /// The column's value in a row as a number (yes/no as 1/0; a hedging ratio that is not
  /// finite as NaN, a missing point in a figure).
  public func value(_ row: SweepRow) -> Double {
    switch self {
    case .mseT: row.mseT
    case .mseLoss: row.mseLoss
    case .l2T: row.l2T
    case .l2Loss: row.l2Loss
    case .l2Minima: Double(row.l2Minima)
    case .parentL2Local: row.parentL2Local ? 1 : 0
    case .mergedL2Local: row.mergedL2Local ? 1 : 0
    case .hedging: row.hedging.isFinite ? row.hedging : .nan
    }
  }

  /// Writes the column's value in a row to a sink, in its own type (a number, a count, a
  /// yes/no): the CSV writes `true`, the count without a decimal point, the numbers as
  /// they are (a hedging ratio that is not finite included).
  @inlinable
  public func write(_ row: SweepRow, to sink: some SweepCellSink) {
    switch self {
    case .mseT: sink.cell(row.mseT)
    case .mseLoss: sink.cell(row.mseLoss)
    case .l2T: sink.cell(row.l2T)
    case .l2Loss: sink.cell(row.l2Loss)
    case .l2Minima: sink.cell(row.l2Minima)
    case .parentL2Local: sink.cell(row.parentL2Local)
    case .mergedL2Local: sink.cell(row.mergedL2Local)
    case .hedging: sink.cell(row.hedging)
    }
  }
}

/// Where a sweep's rows are written cell by cell (the CSV writer first).
public protocol SweepCellSink {
  func cell(_ x: Double)
  func cell(_ n: Int)
  func cell(_ b: Bool)
}

extension CSVText: SweepCellSink {
  @inlinable public func cell(_ x: Double) { append(x) }
  @inlinable public func cell(_ n: Int) { append(n) }
  @inlinable public func cell(_ b: Bool) { append(b) }
}
