/// An exact real number of the form sum_i r_i sqrt(m_i): rationals r_i times square
/// roots of distinct squarefree integers m_i >= 1 (m = 1 is the rational part).
///
///     sqrt(1/2) = (1/2) sqrt(2),   sqrt(8) = 2 sqrt(2),   1 - sqrt(2)/2
///
/// Square roots of distinct squarefree integers are linearly independent over the
/// rationals, so the form is canonical: the number is zero exactly when no term is left.
/// Radicands are made squarefree by trial division up to 10^5 and a perfect-square test
/// of the rest; a rest above 10^15 that is p q^2 with both primes above 10^5 stays
/// unsimplified (still exact, merely not canonical).
public struct Radical: Sendable, Hashable, CustomStringConvertible {
  /// Radicand m (squarefree, >= 1) -> its nonzero rational coefficient r.
  public private(set) var terms: [Int128: Rational]

  /// The rational r (radicand 1).
  public init(_ r: Rational) {
    terms = r.isZero ? [:] : [1: r]
  }

  init(terms: [Int128: Rational]) {
    self.terms = terms.filter { !$0.value.isZero }
  }

  public static let zero = Radical(Rational.zero)

  /// sqrt(r) in canonical form: sqrt(n/d) = sqrt(n d)/d = (k/d) sqrt(m), n d = k^2 m.
  /// - Parameter r: >= 0.
  /// - Throws: `SymbolicError.notFinite` for a negative r, `.overflow`.
  public static func sqrt(_ r: Rational) throws -> Radical {
    guard r.sign >= 0 else { throw SymbolicError.notFinite("sqrt(\(r))") }
    if r.isZero { return .zero }
    let nd = try Rational.checked(
      r.numerator.multipliedReportingOverflow(by: r.denominator), "taking a square root")
    let (k, m) = squarefreeSplit(nd)
    return Radical(terms: [m: try Rational(k, r.denominator)])
  }

  /// The sorted terms as (coefficient, radicand), rational part first.
  public var sortedTerms: [(coefficient: Rational, radicand: Int128)] {
    terms.keys.sorted().map { (terms[$0]!, $0) }
  }

  public var isZero: Bool { terms.isEmpty }
  /// The rational value when there is no square root left.
  public var rationalValue: Rational? {
    if terms.isEmpty { return .zero }
    if terms.count == 1, let r = terms[1] { return r }
    return nil
  }
  /// Whether it is r sqrt(m) for a single m (so dividing by it stays in this form).
  public var isSingleTerm: Bool { terms.count == 1 }

  public var doubleValue: Double {
    sortedTerms.reduce(0) { $0 + $1.coefficient.doubleValue * Double($1.radicand).squareRoot() }
  }

  /// -1, 0 or 1. Zero is decided exactly; a nonzero sum takes the sign of its Double
  /// value (single terms and sums of like-signed terms exactly).
  public var sign: Int {
    if terms.isEmpty { return 0 }
    let signs = Set(terms.values.map(\.sign))
    if signs.count == 1 { return signs.first! }
    let v = doubleValue
    return v > 0 ? 1 : (v < 0 ? -1 : 0)
  }

  /// `r*sqrt(m)` terms joined by ` + ` and ` - `: `1 - 1/2*sqrt(2)`; `0` when zero.
  public var description: String {
    if terms.isEmpty { return "0" }
    var out = ""
    for (i, term) in sortedTerms.enumerated() {
      let negative = term.coefficient.sign < 0
      let r = (try? term.coefficient.magnitude()) ?? term.coefficient
      var piece: String
      if term.radicand == 1 {
        piece = "\(r)"
      } else {
        piece = (r == .one ? "" : "\(r)*") + "sqrt(\(term.radicand))"
      }
      if i == 0 {
        out = (negative ? "-" : "") + piece
      } else {
        out += (negative ? " - " : " + ") + piece
      }
    }
    return out
  }

  // MARK: Arithmetic

  public static func + (a: Radical, b: Radical) throws -> Radical {
    var terms = a.terms
    for (m, r) in b.terms { terms[m] = try (terms[m] ?? .zero) + r }
    return Radical(terms: terms)
  }

  public static prefix func - (a: Radical) throws -> Radical {
    Radical(terms: try a.terms.mapValues { try -$0 })
  }

  public static func - (a: Radical, b: Radical) throws -> Radical { try a + (-b) }

  public static func * (a: Radical, k: Rational) throws -> Radical {
    Radical(terms: try a.terms.mapValues { try $0 * k })
  }

  /// The product, with sqrt(m1) sqrt(m2) = g sqrt((m1/g)(m2/g)), g = gcd(m1, m2).
  public static func * (a: Radical, b: Radical) throws -> Radical {
    var out = Radical.zero
    for (m1, r1) in a.terms {
      for (m2, r2) in b.terms {
        let g = Rational.gcd(m1, m2)
        let m = try Rational.checked(
          (m1 / g).multipliedReportingOverflow(by: m2 / g), "multiplying square roots")
        let r = try r1 * r2 * Rational(g)
        out = try out + Radical(terms: [m: r])
      }
    }
    return out
  }

  /// a / b for a single-term b = r sqrt(m): a sqrt(m) / (r m).
  /// - Throws: `SymbolicError.divisionByZero` when b is zero or not a single term.
  public static func / (a: Radical, b: Radical) throws -> Radical {
    guard b.isSingleTerm, let (m, r) = b.terms.first else { throw SymbolicError.divisionByZero }
    return try a * Radical(terms: [m: .one]) * (try r * Rational(m)).reciprocal()
  }

  /// Splits n >= 1 as k^2 m with m squarefree (see the type's note on large factors).
  static func squarefreeSplit(_ n: Int128) -> (k: Int128, m: Int128) {
    var rest = n
    var k: Int128 = 1
    var m: Int128 = 1
    var p: Int128 = 2
    while p <= 100_000 && p * p <= rest {
      var e = 0
      while rest % p == 0 {
        rest /= p
        e += 1
      }
      for _ in 0..<(e / 2) { k *= p }
      if e % 2 == 1 { m *= p }
      p += p == 2 ? 1 : 2
    }
    if rest > 1 {
      let s = integerSquareRoot(rest)
      if s * s == rest { k *= s } else { m *= rest }
    }
    return (k, m)
  }

  /// floor(sqrt(n)) for n >= 0.
  static func integerSquareRoot(_ n: Int128) -> Int128 {
    if n < 2 { return n }
    var x = Int128(Double(n).squareRoot())
    while x > 0 && x > n / x { x -= 1 }
    while (x + 1) <= n / (x + 1) { x += 1 }
    return x
  }
}

/// The numbers a linear form may weigh its symbols with: rationals (the MSE) or sums of
/// rational multiples of square roots (the L2 slopes and values).
public protocol ExactScalar: Sendable, Hashable, CustomStringConvertible {
  static var zero: Self { get }
  var isZero: Bool { get }
  /// -1, 0 or 1.
  var sign: Int { get }
  var doubleValue: Double { get }
  /// The value as rational multiples of square roots of squarefree radicands.
  var radical: Radical { get }
  static func + (a: Self, b: Self) throws -> Self
  static prefix func - (a: Self) throws -> Self
  static func * (a: Self, k: Rational) throws -> Self
}

extension Rational: ExactScalar {
  public var radical: Radical { Radical(self) }
}

extension Radical: ExactScalar {
  public var radical: Radical { self }
}
