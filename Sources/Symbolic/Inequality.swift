/// A strict linear inequality in the probabilities, kept as `form > 0`.
///
///     p0 - p01 > 0      (solved: p01 < p0)
///
/// "Always" and "never" are judged for positive probabilities: a form whose weights are
/// all >= 0 (and not all zero) is always positive, one whose weights are all <= 0 never.
public struct Inequality: Sendable, Hashable {
  /// The inequality is `form > 0`.
  public let form: LinearForm<Radical>

  public init(_ form: LinearForm<Radical>) {
    self.form = form
  }

  /// `a < b`, as `b - a > 0`.
  public static func less(_ a: LinearForm<Radical>, _ b: LinearForm<Radical>) throws -> Inequality {
    Inequality(try b - a)
  }

  /// True for every positive probability vector.
  public var isAlways: Bool { !form.isZero && form.weights.values.allSatisfy { $0.sign >= 0 } }
  /// False for every positive probability vector.
  public var isNever: Bool { form.weights.values.allSatisfy { $0.sign <= 0 } }

  /// Whether it holds at these probabilities (in Double arithmetic).
  public func holds(at probabilities: [String: Double]) -> Bool {
    form.value(at: probabilities) > 0
  }

  /// The inequality solved for one symbol: the last symbol (in `order`) whose weight is a
  /// single term r sqrt(m) goes alone on the left with weight 1, the rest to the right.
  ///
  ///     p0 - p01 > 0  ->  p01 < p0;   -sqrt(2) p0 + 2 sqrt(2) p01 > 0  ->  p01 > p0/2
  ///
  /// - Returns: nil when no weight is a single term.
  public func solved(order: [String]) throws -> SolvedInequality? {
    guard let symbol = form.symbols(in: order).last(where: { form[$0].isSingleTerm }) else {
      return nil
    }
    let c = form[symbol]
    var rest = form.weights
    rest[symbol] = nil
    // c p + rest > 0  <=>  p > -rest/c (c > 0)  or  p < -rest/c (c < 0).
    let rhs = LinearForm<Radical>(try rest.mapValues { try -$0 / c })
    return SolvedInequality(symbol: symbol, isLess: c.sign < 0, rhs: rhs)
  }
}

/// `symbol < rhs` or `symbol > rhs`: an inequality solved for one probability.
public struct SolvedInequality: Sendable, Hashable {
  public let symbol: String
  /// `<` when true, `>` otherwise.
  public let isLess: Bool
  public let rhs: LinearForm<Radical>
}

/// When something holds, for positive probabilities: always, never, or iff every one of
/// some inequalities holds.
public enum Condition: Sendable, Hashable {
  case always
  case never
  case iff([Inequality])

  /// The conjunction of inequalities, with the ones that always hold dropped.
  public static func all(_ inequalities: [Inequality]) -> Condition {
    if inequalities.contains(where: \.isNever) { return .never }
    let open = inequalities.filter { !$0.isAlways }
    return open.isEmpty ? .always : .iff(open)
  }

  /// Whether it holds at these probabilities.
  public func holds(at probabilities: [String: Double]) -> Bool {
    switch self {
    case .always: true
    case .never: false
    case .iff(let list): list.allSatisfy { $0.holds(at: probabilities) }
    }
  }
}
