/// Why an exact computation failed.
public enum SymbolicError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A numerator or denominator left the 128-bit range.
  case overflow(String)
  /// A division by zero.
  case divisionByZero
  /// A number that has no exact decimal form (infinite, NaN or not a number), as written.
  case notFinite(String)

  public var description: String {
    switch self {
    case .overflow(let what):
      return
        "exact arithmetic overflowed 128 bits (\(what)): the case's decimals are too fine or too large"
    case .divisionByZero:
      return "exact arithmetic divided by zero"
    case .notFinite(let text):
      return "\(text) is not a finite decimal"
    }
  }
}

/// An exact rational number n/d in lowest terms, with d > 0.
///
///     n/d,  gcd(|n|, d) = 1,  n and d in Int128
///
/// Every operation reduces by the gcd and checks for overflow
/// (`multipliedReportingOverflow` and friends): an overflow throws
/// `SymbolicError.overflow` instead of wrapping, so a result is exact or absent.
public struct Rational: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The numerator, carrying the sign.
  public let numerator: Int128
  /// The denominator, always positive.
  public let denominator: Int128

  /// The integer n.
  public init(_ n: Int128) {
    numerator = n
    denominator = 1
  }

  /// n/d reduced to lowest terms.
  ///
  /// - Parameters:
  ///   - n: the numerator.
  ///   - d: the denominator, nonzero.
  /// - Throws: `SymbolicError.divisionByZero` when d = 0, `.overflow` when the sign
  ///   cannot be moved to the numerator.
  public init(_ n: Int128, _ d: Int128) throws {
    guard d != 0 else { throw SymbolicError.divisionByZero }
    let g = Rational.gcd(n, d)
    var n = n / g
    var d = d / g
    if d < 0 {
      guard n != .min, d != .min else { throw SymbolicError.overflow("negating \(n)/\(d)") }
      n = -n
      d = -d
    }
    numerator = n
    denominator = d
  }

  private init(reduced n: Int128, _ d: Int128) {
    numerator = n
    denominator = d
  }

  public static let zero = Rational(0)
  public static let one = Rational(1)

  /// The rational of a Double's shortest round-trip decimal text (`"\(x)"`).
  ///
  /// 0.1 -> 1/10, 1e-3 -> 1/1000, 2.5e+20 -> 250000000000000000000. This is the number
  /// the user wrote in the case file, not the binary fraction the Double holds.
  /// - Parameter x: finite.
  /// - Throws: `SymbolicError.notFinite` for infinities and NaN, `.overflow` when the
  ///   decimal does not fit 128 bits.
  public init(decimal x: Double) throws {
    guard x.isFinite else { throw SymbolicError.notFinite("\(x)") }
    try self.init(decimalText: "\(x)")
  }

  /// The rational of a decimal text: an optional sign, digits with an optional point,
  /// and an optional exponent (`-12.5e-3`).
  /// - Throws: `SymbolicError.notFinite` when the text is no decimal, `.overflow`
  ///   when it does not fit 128 bits.
  public init(decimalText text: String) throws {
    var chars = Substring(text)
    var negative = false
    if chars.first == "-" {
      negative = true
      chars = chars.dropFirst()
    } else if chars.first == "+" {
      chars = chars.dropFirst()
    }
    var mantissa = chars
    var exponent = 0
    if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      mantissa = chars[..<e]
      guard let x = Int(chars[chars.index(after: e)...]), abs(x) < 1000 else {
        throw SymbolicError.notFinite(text)
      }
      exponent = x
    }
    var digits: Int128 = 0
    var sawDigit = false
    var sawPoint = false
    for c in mantissa {
      if c == "." {
        guard !sawPoint else { throw SymbolicError.notFinite(text) }
        sawPoint = true
        continue
      }
      guard c.isASCII, let d = c.wholeNumberValue else { throw SymbolicError.notFinite(text) }
      sawDigit = true
      digits = try Rational.checked(digits.multipliedReportingOverflow(by: 10), "reading \(text)")
      digits = try Rational.checked(digits.addingReportingOverflow(Int128(d)), "reading \(text)")
      if sawPoint { exponent -= 1 }
    }
    guard sawDigit else { throw SymbolicError.notFinite(text) }
    if negative { digits = -digits }
    if digits == 0 {
      self = .zero
      return
    }
    var power: Int128 = 1
    for _ in 0..<abs(exponent) {
      power = try Rational.checked(power.multipliedReportingOverflow(by: 10), "reading \(text)")
    }
    if exponent >= 0 {
      self.init(
        reduced: try Rational.checked(
          digits.multipliedReportingOverflow(by: power), "reading \(text)"), 1)
    } else {
      try self.init(digits, power)
    }
  }

  public var isZero: Bool { numerator == 0 }
  public var isInteger: Bool { denominator == 1 }
  /// -1, 0 or 1.
  public var sign: Int { numerator > 0 ? 1 : (numerator < 0 ? -1 : 0) }
  /// The nearest Double (to within the rounding of the two conversions and the quotient).
  public var doubleValue: Double { Double(numerator) / Double(denominator) }

  /// `n` or `n/d`.
  public var description: String {
    denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
  }

  // MARK: Arithmetic (every operation throws on overflow)

  public static func + (a: Rational, b: Rational) throws -> Rational {
    let g = gcd(a.denominator, b.denominator)
    let da = a.denominator / g
    let db = b.denominator / g
    let x = try checked(a.numerator.multipliedReportingOverflow(by: db), "adding")
    let y = try checked(b.numerator.multipliedReportingOverflow(by: da), "adding")
    let n = try checked(x.addingReportingOverflow(y), "adding")
    let d = try checked(a.denominator.multipliedReportingOverflow(by: db), "adding")
    return try Rational(n, d)
  }

  public static prefix func - (a: Rational) throws -> Rational {
    guard a.numerator != .min else { throw SymbolicError.overflow("negating") }
    return Rational(reduced: -a.numerator, a.denominator)
  }

  public static func - (a: Rational, b: Rational) throws -> Rational { try a + (-b) }

  public static func * (a: Rational, b: Rational) throws -> Rational {
    let g1 = gcd(a.numerator, b.denominator)
    let g2 = gcd(b.numerator, a.denominator)
    let n = try checked(
      (a.numerator / g1).multipliedReportingOverflow(by: b.numerator / g2), "multiplying")
    let d = try checked(
      (a.denominator / g2).multipliedReportingOverflow(by: b.denominator / g1), "multiplying")
    return Rational(reduced: n, d)
  }

  public static func / (a: Rational, b: Rational) throws -> Rational {
    guard !b.isZero else { throw SymbolicError.divisionByZero }
    return try a * b.reciprocal()
  }

  /// 1/a, for a nonzero.
  public func reciprocal() throws -> Rational { try Rational(denominator, numerator) }

  /// |a|.
  public func magnitude() throws -> Rational { sign < 0 ? try -self : self }

  public static func < (a: Rational, b: Rational) -> Bool {
    // Exact whenever the cross products fit 128 bits; otherwise the difference decides,
    // and only if that overflows too, the Doubles.
    let (x, o1) = a.numerator.multipliedReportingOverflow(by: b.denominator)
    let (y, o2) = b.numerator.multipliedReportingOverflow(by: a.denominator)
    if !o1 && !o2 { return x < y }
    if let d = try? a - b { return d.sign < 0 }
    return a.doubleValue < b.doubleValue
  }

  /// gcd(|a|, |b|) as a positive Int128 (1 when both are zero).
  static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
    var x = a.magnitude
    var y = b.magnitude
    while y != 0 { (x, y) = (y, x % y) }
    return x == 0 || x > UInt128(Int128.max) ? 1 : Int128(x)
  }

  static func checked(_ result: (partialValue: Int128, overflow: Bool), _ what: String) throws
    -> Int128
  {
    if result.overflow { throw SymbolicError.overflow(what) }
    return result.partialValue
  }
}
