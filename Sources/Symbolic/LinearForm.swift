/// A linear form in the pattern probabilities: sum_j w_j p_j with exact weights.
///
///     p0 + 2 p01   ->   ["p0": 1, "p01": 2]
///
/// Only nonzero weights are stored; the empty form is zero. There is no constant term:
/// with no decoder bias every coefficient the package derives is homogeneous in the
/// probabilities.
public struct LinearForm<Weight: ExactScalar>: Sendable, Hashable {
  /// Symbol -> nonzero weight.
  public private(set) var weights: [String: Weight]

  /// The form with these weights (zero weights dropped).
  public init(_ weights: [String: Weight] = [:]) {
    self.weights = weights.filter { !$0.value.isZero }
  }

  /// w p for one symbol.
  public init(_ symbol: String, _ weight: Weight) {
    self.init([symbol: weight])
  }

  public static var zero: LinearForm { LinearForm() }
  public var isZero: Bool { weights.isEmpty }

  /// The weight of a symbol (zero when absent).
  public subscript(_ symbol: String) -> Weight { weights[symbol] ?? .zero }

  /// The symbols with a nonzero weight, in the given order (unknown symbols last, sorted).
  public func symbols(in order: [String]) -> [String] {
    let known = order.filter { weights[$0] != nil }
    let unknown = weights.keys.filter { !order.contains($0) }.sorted()
    return known + unknown
  }

  /// sum_j w_j p_j at the given probabilities (absent symbols count as 0).
  public func value(at probabilities: [String: Double]) -> Double {
    weights.reduce(0) { $0 + $1.value.doubleValue * (probabilities[$1.key] ?? 0) }
  }

  public static func + (a: LinearForm, b: LinearForm) throws -> LinearForm {
    var w = a.weights
    for (s, x) in b.weights { w[s] = try (w[s] ?? .zero) + x }
    return LinearForm(w)
  }

  public static prefix func - (a: LinearForm) throws -> LinearForm {
    LinearForm(try a.weights.mapValues { try -$0 })
  }

  public static func - (a: LinearForm, b: LinearForm) throws -> LinearForm { try a + (-b) }

  public static func * (a: LinearForm, k: Rational) throws -> LinearForm {
    LinearForm(try a.weights.mapValues { try $0 * k })
  }

  /// The same form with square-root weights.
  public var radical: LinearForm<Radical> { LinearForm<Radical>(weights.mapValues(\.radical)) }
}

extension LinearForm where Weight == Radical {
  /// The form with every weight multiplied by a closed form.
  public static func * (a: LinearForm, k: Radical) throws -> LinearForm {
    LinearForm(try a.weights.mapValues { try $0 * k })
  }
}

/// A product of probability symbols: `p0`, `p0*p01`, `p0*p0` (kept sorted).
public struct Monomial: Sendable, Hashable, CustomStringConvertible {
  /// The factors, sorted lexicographically, repeated for powers.
  public let symbols: [String]

  public init(_ symbols: [String]) {
    self.symbols = symbols.sorted()
  }

  public var degree: Int { symbols.count }

  /// The factors' positions in `order`, ascending: the key monomials are sorted by
  /// (after degree).
  public func rank(in order: [String]) -> [Int] {
    symbols.map { order.firstIndex(of: $0) ?? order.count }.sorted()
  }

  /// The factors in `order` with their powers: [("p0", 2), ("p01", 1)].
  public func powers(in order: [String]) -> [(symbol: String, power: Int)] {
    let sorted = symbols.sorted {
      (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1)
    }
    var out: [(symbol: String, power: Int)] = []
    for s in sorted {
      if out.last?.symbol == s { out[out.count - 1].power += 1 } else { out.append((s, 1)) }
    }
    return out
  }

  /// The factors in `order`, joined by `*`: `p0*p01`, `p01*p01` (the JSON key).
  public func key(in order: [String]) -> String {
    powers(in: order).flatMap { Array(repeating: $0.symbol, count: $0.power) }.joined(
      separator: "*")
  }

  public static func * (a: Monomial, b: Monomial) -> Monomial { Monomial(a.symbols + b.symbols) }

  /// The factors joined by `*`: `p0*p01`.
  public var description: String { symbols.joined(separator: "*") }
}

/// A polynomial in the probability symbols with rational weights, with no constant term:
/// the coefficients of N and N'D - N D' (linear forms with no decoder bias, linear plus
/// quadratic with the optimal bias) and their discriminants.
///
///     p0^2 + 4 p01^2   ->   [p0*p0: 1, p01*p01: 4]
public struct Polynomial: Sendable, Hashable {
  /// Monomial -> nonzero weight.
  public private(set) var terms: [Monomial: Rational]

  public init(_ terms: [Monomial: Rational] = [:]) {
    self.terms = terms.filter { !$0.value.isZero }
  }

  /// w p for one symbol.
  public init(_ symbol: String, _ weight: Rational) {
    self.init([Monomial([symbol]): weight])
  }

  /// A linear polynomial from symbol weights.
  public init(linear weights: [String: Rational]) {
    self.init(Dictionary(uniqueKeysWithValues: weights.map { (Monomial([$0.key]), $0.value) }))
  }

  public static var zero: Polynomial { Polynomial() }
  public var isZero: Bool { terms.isEmpty }
  /// True when every monomial has degree 1.
  public var isLinear: Bool { terms.keys.allSatisfy { $0.degree == 1 } }

  /// The weight of a monomial (zero when absent).
  public subscript(_ m: Monomial) -> Rational { terms[m] ?? .zero }

  /// The monomials with a nonzero weight, by degree, then by the symbols' positions in
  /// `order`.
  public func monomials(in order: [String]) -> [Monomial] {
    terms.keys.sorted { a, b in
      if a.degree != b.degree { return a.degree < b.degree }
      let ra = a.rank(in: order)
      let rb = b.rank(in: order)
      if ra != rb { return ra.lexicographicallyPrecedes(rb) }
      return a.description < b.description
    }
  }

  /// The value at these probabilities (absent symbols count as 0).
  public func value(at probabilities: [String: Double]) -> Double {
    terms.reduce(0) { sum, term in
      sum + term.key.symbols.reduce(term.value.doubleValue) { $0 * (probabilities[$1] ?? 0) }
    }
  }

  /// The same polynomial as a linear form, when it is linear.
  public var linearForm: LinearForm<Rational>? {
    guard isLinear else { return nil }
    return LinearForm(Dictionary(uniqueKeysWithValues: terms.map { ($0.key.symbols[0], $0.value) }))
  }

  public static func + (a: Polynomial, b: Polynomial) throws -> Polynomial {
    var w = a.terms
    for (m, x) in b.terms { w[m] = try (w[m] ?? .zero) + x }
    return Polynomial(w)
  }

  public static prefix func - (a: Polynomial) throws -> Polynomial {
    Polynomial(try a.terms.mapValues { try -$0 })
  }

  public static func - (a: Polynomial, b: Polynomial) throws -> Polynomial { try a + (-b) }

  public static func * (a: Polynomial, k: Rational) throws -> Polynomial {
    Polynomial(try a.terms.mapValues { try $0 * k })
  }

  public static func * (a: Polynomial, b: Polynomial) throws -> Polynomial {
    var w: [Monomial: Rational] = [:]
    for (m, x) in a.terms {
      for (n, y) in b.terms {
        let mn = m * n
        w[mn] = try (w[mn] ?? .zero) + x * y
      }
    }
    return Polynomial(w)
  }

  /// The positive or negative rational c that makes every weight of each polynomial an
  /// integer with no common factor, the first weight positive: the first nonzero
  /// polynomial in `list`, its first monomial in `monomials(in: order)`.
  ///
  ///     list = [-2 p0, 2 p0 + 4 p01, -2 p01]  ->  c = -1/2
  ///
  /// - Returns: nil when every polynomial is zero.
  public static func normalisingScale(_ list: [Polynomial], order: [String]) throws -> Rational? {
    guard let first = list.first(where: { !$0.isZero }) else { return nil }
    var lcm: Int128 = 1
    var gcd: Int128 = 0
    for p in list {
      for w in p.terms.values {
        let g = Rational.gcd(lcm, w.denominator)
        lcm = try Rational.checked(
          (lcm / g).multipliedReportingOverflow(by: w.denominator), "normalising")
      }
    }
    for p in list {
      for w in p.terms.values { gcd = Rational.gcd(gcd, (try w * Rational(lcm)).numerator) }
    }
    let lead = first[first.monomials(in: order)[0]]
    let c = try Rational(lcm, gcd)
    return lead.sign < 0 ? try -c : c
  }
}
