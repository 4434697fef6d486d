import Landscape
import ToyModels

/// The exact, symbolic loss landscape of a case: every pattern probability is a symbol
/// (its pattern's name), magnitudes and path ends are the decimals the case was written
/// with, read as exact rationals.
///
/// Per pattern j: s_j(t) = w(t) . x_j = a_j + b_j t, D(t) = |w(t)|^2, q_j = |x_j|^2, and
/// on a relu piece (between roots t = -a_j/b_j of the s_j)
///
///     Q_j = q_j D - [s_j > 0] s_j^2,   MSE = N / D,   N = sum_j p_j Q_j,
///     N'D - N D' = P2 t^2 + P1 t + P0   (the cubic terms cancel),
///     P0 = n1 d0 - n0 d1,  P1 = 2 (n2 d0 - n0 d2),  P2 = n2 d1 - n1 d2,
///     L2 = sum_j p_j sqrt(Q_j / D).
///
/// With no decoder bias the coefficients of N and P are linear forms in the probabilities
/// with rational weights. With the centered bias b = mu - (l . mu) l, summing over the
/// patterns and "nothing fires" (probability 1 - sum_j p_j, which cancels the cubic terms)
/// gives
///
///     N = sum_j p_j Q_j - (|mu|^2 D - m^2),   mu = sum_j p_j x_j,   m = w . mu = sum_j p_j s_j,
///
/// with coefficients linear plus quadratic in the probabilities. The MSE-optimal bias
/// (no penalty) is the same with nothing clipped: one piece, MSE = tr(Sigma) - l^T Sigma l
/// with Sigma the covariance, whose coefficients are quadratic in the probabilities.
/// With either bias the L2 loss is no
/// longer linear in them and its regimes are not derived (`l2` is nil). A penalty is out
/// of scope: the MSE is then no ratio of quadratics.
public struct SymbolicLandscape: Sendable {
  /// The case's name.
  public let name: String
  /// The probability symbols: the pattern names, in pattern order.
  public let symbols: [String]
  /// The case's probabilities, by symbol: where the conditions are evaluated.
  public let probabilities: [String: Double]
  /// The t range, exact.
  public let tMin: Rational
  public let tMax: Rational
  /// D(t) = d0 + d1 t + d2 t^2, as [d0, d1, d2].
  public let denominator: [Rational]
  /// The relu breakpoints strictly inside the range, ascending.
  public let breakpoints: [Rational]
  /// The relu pieces, in t order, covering [tMin, tMax].
  public let pieces: [SymbolicPiece]
  /// The case's decoder bias.
  public let bias: DecoderBias
  /// Where the L2 loss can have its minima, and when; nil with the optimal bias.
  public let l2: L2Regimes?

  /// Derives the landscape of a validated case.
  ///
  /// - Parameter source: a case that passed `validate()`, with `penalty.coefficient` 0.
  /// - Throws: `FieldError` naming `penalty.coefficient` when the case has a penalty;
  ///   `SymbolicError` when exact arithmetic overflows.
  public init(_ source: LatentCase) throws {
    try SymbolicLandscape.checkSupported(source)
    name = source.name
    symbols = source.patterns.map(\.name)
    probabilities = Dictionary(
      source.patterns.map { ($0.name, $0.probability) }, uniquingKeysWith: { a, _ in a })
    bias = source.bias
    tMin = try Rational(decimal: source.path.tMin)
    tMax = try Rational(decimal: source.path.tMax)
    let u = try source.path.from.map { try Rational(decimal: $0) }
    let v = try source.path.to.map { try Rational(decimal: $0) }
    let dir = try zip(u, v).map { try $1 - $0 }
    let d = [try dot(u, u), try Rational(2) * dot(u, dir), try dot(dir, dir)]
    denominator = d
    let lines = try Self.lines(source, from: u, direction: dir)
    let centred = source.bias == .optimal || source.bias == .centered
    let correction =
      centred
      ? try Self.biasCorrection(lines, features: source.features.count, denominator: d)
      : [Polynomial](repeating: .zero, count: 3)
    // The MSE-optimal bias (no penalty) clips nothing: one piece, every pattern active.
    let clips = source.bias != .optimal
    let cuts = clips ? try Self.breakpoints(lines, in: tMin, tMax) : []
    breakpoints = cuts
    let bounds = [tMin] + cuts + [tMax]
    var pieces: [SymbolicPiece] = []
    for k in 0..<(bounds.count - 1) {
      pieces.append(
        try Self.piece(
          bounds[k], bounds[k + 1], lines, denominator: d, correction: correction, clips: clips,
          order: symbols))
    }
    self.pieces = pieces
    l2 =
      source.bias == .none
      ? try L2Regimes(pieces: pieces, denominator: d, tMin: tMin, tMax: tMax, order: symbols) : nil
  }

  /// One pattern, exact: x_j, s_j = w . x_j = a + b t, and q_j = |x_j|^2.
  struct Line {
    var name: String
    var x: [Rational]
    var a: Rational
    var b: Rational
    var q: Rational
  }

  /// The case's patterns as lines, their magnitudes read as the decimals written.
  ///
  /// - Parameters:
  ///   - u: w(0); `dir`: w(1) - w(0).
  static func lines(_ source: LatentCase, from u: [Rational], direction dir: [Rational]) throws
    -> [Line]
  {
    try source.patterns.map { p -> Line in
      let x = try p.magnitudes.map { try Rational(decimal: $0) }
      return Line(name: p.name, x: x, a: try dot(u, x), b: try dot(dir, x), q: try dot(x, x))
    }
  }

  /// What the centered and the optimal bias take off N: |mu|^2 D - m^2, m = m0 + m1 t
  /// (mu = sum_j p_j x_j, m = w . mu = sum_j p_j s_j), as its coefficients [c0, c1, c2].
  static func biasCorrection(_ lines: [Line], features: Int, denominator d: [Rational]) throws
    -> [Polynomial]
  {
    var mu = [Polynomial](repeating: .zero, count: features)
    var m0 = Polynomial.zero
    var m1 = Polynomial.zero
    for line in lines {
      for i in mu.indices { mu[i] = try mu[i] + Polynomial(line.name, line.x[i]) }
      m0 = try m0 + Polynomial(line.name, line.a)
      m1 = try m1 + Polynomial(line.name, line.b)
    }
    var muSquared = Polynomial.zero
    for c in mu { muSquared = try muSquared + c * c }
    return [
      try muSquared * d[0] - m0 * m0,
      try muSquared * d[1] - (try m0 * m1) * Rational(2),
      try muSquared * d[2] - m1 * m1,
    ]
  }

  /// The relu breakpoints t = -a_j / b_j strictly inside (tMin, tMax), ascending, each
  /// once.
  static func breakpoints(_ lines: [Line], in tMin: Rational, _ tMax: Rational) throws
    -> [Rational]
  {
    var cuts: [Rational] = []
    for line in lines where !line.b.isZero {
      let t = try -line.a / line.b
      if tMin < t && t < tMax && !cuts.contains(t) { cuts.append(t) }
    }
    return cuts.sorted()
  }

  /// The piece [lo, hi]: which patterns fire there (decided at its middle), each Q_j, N
  /// (less the bias `correction`) and the stationarity polynomial N'D - N D'.
  ///
  ///     Q_j = q_j D - [s_j > 0] s_j^2
  /// - Parameter clips: false when nothing is ever clipped (the optimal bias).
  static func piece(
    _ lo: Rational, _ hi: Rational, _ lines: [Line], denominator d: [Rational],
    correction: [Polynomial], clips: Bool, order: [String]
  ) throws -> SymbolicPiece {
    let mid = try (lo + hi) * Rational(1, 2)
    var active: [String] = []
    var errors: [String: [Rational]] = [:]
    var n = try correction.map { try -$0 }
    for line in lines {
      var q = try d.map { try line.q * $0 }
      if try !clips || (line.a + line.b * mid).sign > 0 {
        active.append(line.name)
        q[0] = try q[0] - line.a * line.a
        q[1] = try q[1] - Rational(2) * line.a * line.b
        q[2] = try q[2] - line.b * line.b
      }
      errors[line.name] = q
      for i in 0..<3 { n[i] = try n[i] + Polynomial(line.name, q[i]) }
    }
    let p = [
      try n[1] * d[0] - n[0] * d[1],
      try (n[2] * d[0] - n[0] * d[2]) * Rational(2),
      try n[2] * d[1] - n[1] * d[2],
    ]
    return SymbolicPiece(
      lo: lo, hi: hi, active: active, numerator: n,
      stationarity: try Stationarity(raw: p, order: order), errors: errors)
  }

  /// Throws when the case is outside the derivation's scope.
  ///
  /// - Throws: `FieldError` naming `penalty.coefficient` (> 0).
  public static func checkSupported(_ source: LatentCase) throws {
    if case .fixed = source.bias {
      throw FieldError(
        field: "bias", value: "fixed",
        reason:
          "is not supported by the symbolic derivation, which covers no bias, the optimal and the centered bias"
      )
    }
    if source.penalty.coefficient != 0 {
      throw FieldError(
        field: "penalty.coefficient", value: "\(source.penalty.coefficient)",
        reason:
          "is not supported by the symbolic derivation, which covers no penalty only (with a penalty the MSE is no ratio of quadratics)"
      )
    }
  }

  /// The MSE N(t)/D(t) at these probabilities (Double arithmetic), on the piece holding t.
  public func mse(at t: Double, probabilities: [String: Double]) -> Double {
    let piece = pieces.first { t <= $0.hi.doubleValue } ?? pieces[pieces.count - 1]
    let n = piece.numerator.map { $0.value(at: probabilities) }
    let d = denominator.map(\.doubleValue)
    return (n[0] + t * (n[1] + t * n[2])) / (d[0] + t * (d[1] + t * d[2]))
  }
}

/// One relu piece of the symbolic landscape: an interval on which each pattern either
/// fires (s_j > 0) or is clipped.
public struct SymbolicPiece: Sendable {
  /// The piece's ends (a range end or a relu breakpoint).
  public let lo: Rational
  public let hi: Rational
  /// The patterns that fire on the piece.
  public let active: [String]
  /// N(t) = n0 + n1 t + n2 t^2, as [n0, n1, n2].
  public let numerator: [Polynomial]
  /// The stationarity polynomial N'D - N D' and its minimising root.
  public let stationarity: Stationarity
  /// Q_j's coefficients [c0, c1, c2] on this piece with no bias, by pattern name.
  public let errors: [String: [Rational]]
}

/// The stationarity polynomial N'D - N D' of a piece, normalised, with its discriminant
/// and the root where the MSE has a local minimum.
///
///     coefficients = scale (N'D - N D') = A t^2 + B t + C,   Delta = B^2 - 4 A C,
///     t* = (-B + sigma sqrt(Delta)) / (2 A) = 2 C / (-B - sigma sqrt(Delta)),
///     sigma = sign(scale).
///
/// `scale` makes every weight an integer with no common factor and the leading form's
/// first weight positive. The stationary points are the same, but a negative scale flips
/// the polynomial's sign, so the minimum (where N'D - N D' changes from - to +, i.e.
/// its slope sqrt(Delta) / |scale| is positive) is the root with sigma = sign(scale).
public struct Stationarity: Sendable {
  /// N'D - N D' as [P0, P1, P2] (the cubic coefficient is identically zero).
  public let raw: [Polynomial]
  /// The normalising factor; nil when N'D - N D' is identically zero.
  public let scale: Rational?
  /// scale (N'D - N D') as [C, B, A].
  public let coefficients: [Polynomial]
  /// The degree in t of the normalised polynomial: 2, 1, 0, or nil when identically zero.
  public let degree: Int?
  /// B^2 - 4 A C of the normalised polynomial, when the degree is 2.
  public let discriminant: Polynomial?
  /// sigma = sign(scale): the sign in front of sqrt(Delta) in t* = (-B + sigma sqrt(Delta)) / (2 A).
  public let rootSign: Int
  /// For degree 1 with a linear B, when the root t = -C/B is a minimum (B scaled back to
  /// N'D - N D' is positive).
  public let linearMinimum: Condition?

  init(raw: [Polynomial], order: [String]) throws {
    self.raw = raw
    let scale = try Polynomial.normalisingScale(Array(raw.reversed()), order: order)
    self.scale = scale
    coefficients = try raw.map { try $0 * (scale ?? .one) }
    degree = coefficients.lastIndex { !$0.isZero }
    rootSign = scale?.sign ?? 1
    if degree == 2 {
      let (a, b, c) = (coefficients[2], coefficients[1], coefficients[0])
      discriminant = try (b * b) - (try a * c) * Rational(4)
    } else {
      discriminant = nil
    }
    if degree == 1, let b = coefficients[1].linearForm {
      linearMinimum = Condition.all([
        Inequality(try b.radical * Radical(Rational(Int128(rootSign))))
      ])
    } else {
      linearMinimum = nil
    }
  }

  /// The stationary point where the MSE has a local minimum, at these probabilities, in
  /// Double arithmetic (the formula without cancellation), wherever it lies; nil when
  /// there is none (no real root, or degree below 1, or a degree-1 maximum).
  public func minimisingRoot(at probabilities: [String: Double]) -> Double? {
    let c = coefficients.map { $0.value(at: probabilities) }
    let sigma = Double(rootSign)
    switch degree {
    case 2:
      let (a, b) = (c[2], c[1])
      let delta = b * b - 4 * a * c[0]
      if delta < 0 { return nil }
      let root = delta.squareRoot()
      if -b * sigma >= 0 && a != 0 { return (-b + sigma * root) / (2 * a) }
      let den = -b - sigma * root
      if den != 0 { return 2 * c[0] / den }
      return a != 0 ? (-b + sigma * root) / (2 * a) : nil
    case 1:
      return c[1] * sigma > 0 ? -c[0] / c[1] : nil
    default:
      return nil
    }
  }
}

// MARK: - L2

/// A point where the L2 loss may have a local minimum: a cusp (the latent parallel to a
/// firing pattern) or an end of the range.
///
///     L2(t) = sum_j p_j sqrt(Q_j(t) / D(t))
///
/// At a cusp t_c of pattern k, Q_k = c2 (t - t_c)^2, so that term has one-sided slopes
/// +-sqrt(c2 / D(t_c)); every other term is smooth there, with slope
/// (Q_j' D - Q_j D') / (2 D sqrt(D Q_j)). Slopes and values are linear in the
/// probabilities with weights r sqrt(m).
public struct L2Candidate: Sendable {
  public let t: Rational
  /// The patterns the latent is parallel to at t (empty at a plain range end).
  public let cuspOf: [String]
  public let isStart: Bool
  public let isEnd: Bool
  /// L2(t).
  public let value: LinearForm<Radical>
  /// The slope from the left; nil at the start of the range.
  public let leftSlope: LinearForm<Radical>?
  /// The slope to the right; nil at the end of the range.
  public let rightSlope: LinearForm<Radical>?
  /// When t is a strict local minimum: left slope < 0 and right slope > 0 (only the
  /// inward slope at a range end).
  public let localMinimum: Condition
}

/// When one candidate's L2 is below another's: L2(lower) < L2(upper), linear in the
/// probabilities.
public struct L2Comparison: Sendable {
  /// The t of the candidate claimed lower.
  public let lower: Rational
  /// The t of the other candidate.
  public let other: Rational
  public let condition: Condition
}

/// The L2 regimes of a case: its candidates and when each is a local minimum, and
/// pairwise which is lower (between candidates that can be local minima).
public struct L2Regimes: Sendable {
  public let candidates: [L2Candidate]
  public let comparisons: [L2Comparison]
  /// True when every firing pattern lies in the path's plane (each Q_j is the square of
  /// a linear function of t), so L2 is concave between cusps and all its minima are
  /// among the candidates; false otherwise (then L2 may also have smooth minima between
  /// candidates, not derived here).
  public let complete: Bool

  init(
    pieces: [SymbolicPiece], denominator d: [Rational], tMin: Rational, tMax: Rational,
    order: [String]
  ) throws {
    var complete = true
    var points: [(t: Rational, cusps: [String])] = [(tMin, []), (tMax, [])]
    for piece in pieces {
      for name in piece.active {
        let q = piece.errors[name]!
        // In the path's plane, Q_j = (w x x_j)^2 is the square of a linear function
        // of t: zero discriminant (a double root, or constant when c2 = 0).
        if try !(q[1] * q[1] - Rational(4) * q[0] * q[2]).isZero { complete = false }
        guard let tc = try cusp(q) else { continue }
        if piece.lo <= tc && tc <= piece.hi {
          if let i = points.firstIndex(where: { $0.t == tc }) {
            if !points[i].cusps.contains(name) { points[i].cusps.append(name) }
          } else {
            points.append((tc, [name]))
          }
        }
      }
    }
    points.sort { $0.t < $1.t }
    self.complete = complete

    func piece(at t: Rational, right: Bool) -> SymbolicPiece {
      pieces.first { right ? ($0.lo <= t && t < $0.hi) : ($0.lo < t && t <= $0.hi) }!
    }
    var candidates: [L2Candidate] = []
    for point in points {
      let t = point.t
      let dt = try evaluate(d, t)
      let isStart = t == tMin
      let isEnd = t == tMax
      let valuePiece = piece(at: t, right: !isEnd)
      var value = LinearForm<Radical>.zero
      for name in order {
        let qt = try evaluate(valuePiece.errors[name]!, t)
        value = try value + LinearForm(name, try Radical.sqrt(try qt / dt))
      }
      func slope(right: Bool) throws -> LinearForm<Radical> {
        let piece = piece(at: t, right: right)
        var form = LinearForm<Radical>.zero
        for name in order {
          form =
            try form + LinearForm(name, try termSlope(piece.errors[name]!, d, at: t, right: right))
        }
        return form
      }
      let left = isStart ? nil : try slope(right: false)
      let right = isEnd ? nil : try slope(right: true)
      var conditions: [Inequality] = []
      if let left { conditions.append(Inequality(try -left)) }
      if let right { conditions.append(Inequality(right)) }
      candidates.append(
        L2Candidate(
          t: t, cuspOf: point.cusps, isStart: isStart, isEnd: isEnd, value: value,
          leftSlope: left, rightSlope: right, localMinimum: Condition.all(conditions)))
    }
    self.candidates = candidates

    let possible = candidates.filter { $0.localMinimum != .never }
    var comparisons: [L2Comparison] = []
    for i in possible.indices {
      for j in possible.indices where j > i {
        let a = possible[i]
        let b = possible[j]
        comparisons.append(
          L2Comparison(
            lower: a.t, other: b.t,
            condition: Condition.all([try Inequality.less(a.value, b.value)])))
      }
    }
    self.comparisons = comparisons
  }
}

/// Where Q = c0 + c1 t + c2 t^2 has a double root (c2 > 0, c1^2 = 4 c0 c2): -c1 / (2 c2).
func cusp(_ q: [Rational]) throws -> Rational? {
  guard q[2].sign > 0 else { return nil }
  let disc = try q[1] * q[1] - Rational(4) * q[0] * q[2]
  guard disc.isZero else { return nil }
  return try -q[1] / (Rational(2) * q[2])
}

/// The one-sided slope of sqrt(Q / D) at t.
///
///     at a double root of Q = c2 (t - t_c)^2:  +-sqrt(c2 / D)
///     elsewhere:  (Q' D - Q D') / (2 D sqrt(D Q)) = (Q' D - Q D') / (2 D^2 Q) sqrt(D Q)
func termSlope(_ q: [Rational], _ d: [Rational], at t: Rational, right: Bool) throws -> Radical {
  if q.allSatisfy(\.isZero) { return .zero }
  let dt = try evaluate(d, t)
  let ddt = try slope(d, t)
  if let tc = try cusp(q), tc == t {
    let s = try Radical.sqrt(try q[2] / dt)
    return right ? s : try -s
  }
  let qt = try evaluate(q, t)
  let dqt = try slope(q, t)
  guard qt.sign > 0 else { return .zero }
  let num = try dqt * dt - qt * ddt
  let dq = try dt * qt
  return try Radical.sqrt(dq) * (try num / (try Rational(2) * dt * dq))
}

/// c0 + c1 t + c2 t^2.
func evaluate(_ c: [Rational], _ t: Rational) throws -> Rational {
  try c[0] + t * (try c[1] + t * c[2])
}

/// c1 + 2 c2 t.
func slope(_ c: [Rational], _ t: Rational) throws -> Rational {
  try c[1] + Rational(2) * c[2] * t
}

func dot(_ a: [Rational], _ b: [Rational]) throws -> Rational {
  var s = Rational.zero
  for i in a.indices { s = try s + a[i] * b[i] }
  return s
}
