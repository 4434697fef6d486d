/// Bounds [min, max] on a measured value, either open: what `landscape validate` checks.
public protocol Bounded {
  var min: Double? { get }
  var max: Double? { get }
}

extension Bounded {
  /// True when `value` lies within the bounds; never for NaN or nil (an undefined value).
  public func holds(for value: Double?) -> Bool {
    guard let value, !value.isNaN else { return false }
    return (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true)
  }

  /// The bounds as an interval: `[0.18, 0.22]`, `>= 0.1`, `<= 0.05`, `any`.
  public var bounds: String {
    switch (min, max) {
    case let (lo?, hi?): return "[\(lo), \(hi)]"
    case let (lo?, nil): return ">= \(lo)"
    case let (nil, hi?): return "<= \(hi)"
    case (nil, nil): return "any"
    }
  }
}

/// A measurable statement `landscape validate` checks: a quantity (what is measured, and
/// how: `SAEQuantity`, `SAEGrowthQuantity`, `SAEEnsembleQuantity`) and the bounds its value
/// must lie in.
public struct Expectation<Quantity: Sendable & Hashable>: Sendable, Hashable, Bounded {
  public var quantity: Quantity
  public var min: Double?
  public var max: Double?

  public init(_ quantity: Quantity, min: Double? = nil, max: Double? = nil) {
    self.quantity = quantity
    self.min = min
    self.max = max
  }
}

extension Expectation {
  /// How the values of several latents are summarised.
  public typealias Statistic = HedgingStatistic
}

extension HedgingStatistic {
  /// The statistic of some values (at least one): the mean, the median (the mean of the two
  /// middle values for an even count), the smallest or the largest.
  public func of(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "a statistic of no values")
    let v = values.sorted()
    switch self {
    case .mean: return v.reduce(0, +) / Double(v.count)
    case .median:
      return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    case .min: return v.first!
    case .max: return v.last!
    }
  }
}

extension SAEReport.Check: Bounded {}
