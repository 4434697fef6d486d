import Landscape
import Reports
import ToyModels

extension SymbolicLandscape {
  /// The derivation as plain text: D, and per relu piece N, the normalised stationarity
  /// polynomial `... = 0`, its discriminant and the minimising root; then the L2
  /// candidates with their values and local-minimum conditions, and which is lower.
  ///
  /// Conditions are for positive probabilities; an inequality is solved for the last
  /// probability whose weight is a single term (`p01 < p0/sqrt(2)`), and followed by whether
  /// it holds at the case's probabilities (in Double arithmetic).
  public func plainText(title: String? = nil) -> String {
    let n = Notation.plain
    var out = "\(name)" + (title.map { ": \($0)" } ?? "") + "\n"
    out +=
      "symbols: \(symbols.joined(separator: ", ")) (pattern probabilities); t in [\(n.number(tMin)), \(n.number(tMax))]\n"
    out += "MSE = N(t)/D(t), D(t) = \(n.polynomial(denominator))\n"
    for piece in pieces {
      let firing = piece.active.isEmpty ? "none" : piece.active.joined(separator: ", ")
      out += "piece t in [\(n.number(piece.lo)), \(n.number(piece.hi))] (firing: \(firing))\n"
      out += "  N(t) = \(n.polynomial(piece.numerator, order: symbols))\n"
      out += stationarityText(piece.stationarity, n).map { "  \($0)\n" }.joined()
    }
    guard let l2 else {
      return out
        + "L2: not derived with the \(bias.kind.rawValue) bias (L2 is not linear in the probabilities)\n"
    }
    out += "L2 = sum_j p_j sqrt(Q_j/D): candidates (cusps and range ends)\n"
    for c in l2.candidates {
      out +=
        "  t = \(n.number(c.t)) (\(candidateLabel(c))): L2 = \(n.form(c.value, order: symbols)); "
      out += conditionText(c.localMinimum, n, lead: "local minimum") + verdict(c.localMinimum) + "\n"
    }
    for c in l2.comparisons {
      out +=
        "  L2(\(n.number(c.lower))) < L2(\(n.number(c.other))) \(conditionText(c.condition, n, lead: nil))"
      out += verdict(c.condition) + "\n"
    }
    if !l2.complete {
      out +=
        "  note: a firing pattern lies outside the path's plane, so L2 may also have minima between these candidates (not derived)\n"
    }
    return out
  }

  /// The same derivation as a LaTeX `align` environment, ready to paste into a paper.
  public func latex(title: String? = nil) -> String {
    let n = Notation.latex
    var lines: [String] = []
    lines.append("D(t) &= \(n.polynomial(denominator))")
    let many = pieces.count > 1
    for (k, piece) in pieces.enumerated() {
      let range = "t \\in [\(n.number(piece.lo)), \(n.number(piece.hi))]"
      let sub = many ? "_{\(k + 1)}" : ""
      lines.append("N\(sub)(t) &= \(n.polynomial(piece.numerator, order: symbols)) && \(range)")
      let s = piece.stationarity
      switch s.degree {
      case nil:
        lines.append("N\(sub)'D - N\(sub)D' &= 0 && \\text{(the MSE is constant)}")
      case 0:
        lines.append(
          "N\(sub)'D - N\(sub)D' &= \(factorText(s, n))\\left(\(n.polynomial(s.coefficients, order: symbols))\\right) && \\text{(no stationary point)}"
        )
      default:
        lines.append("0 &= \(n.polynomial(s.coefficients, order: symbols)) && \\text{stationary}")
        if let disc = s.discriminant {
          lines.append("\\Delta\(sub) &= \(n.expression(disc, order: symbols))")
        }
        lines.append("t^{*}\(sub) &= " + rootFormulas(s, n).joined(separator: " = "))
      }
    }
    for c in l2?.candidates ?? [] {
      lines.append(
        "L_2(\(n.number(c.t))) &= \(n.form(c.value, order: symbols)) && \(conditionText(c.localMinimum, n, lead: "local minimum"))"
      )
    }
    for c in l2?.comparisons ?? [] {
      lines.append(
        "L_2(\(n.number(c.lower))) &< L_2(\(n.number(c.other))) && \(conditionText(c.condition, n, lead: nil))"
      )
    }
    var out =
      "% \(name)" + (title.map { ": \(latexComment($0))" } ?? "")
      + " (pattern probabilities are symbols)\n"
    if l2 == nil {
      out +=
        "% L2 is not derived with the \(bias.kind.rawValue) bias (it is not linear in the probabilities)\n"
    } else if l2?.complete == false {
      out +=
        "% L2 may also have minima between the listed candidates (a firing pattern lies outside the path's plane)\n"
    }
    out +=
      "\\begin{align}\n" + lines.map { "  " + $0 }.joined(separator: " \\\\\n") + "\n\\end{align}\n"
    return out
  }

  /// The derivation as JSON. Every linear form is an object from symbol to an exact
  /// weight string (`"-1/2"`, or `"1/2*sqrt(2)"` for the L2 closed forms); polynomial
  /// coefficients are listed from the highest power of t down; a discriminant is an
  /// object from `a*b` symbol pairs to rational strings.
  ///
  ///     {"stationarity": {"pieces": [{"t_range": [0, 1], "coefficients":
  ///       [{"p0": "1"}, {"p0": "-1", "p01": "-2"}, {"p01": "1"}], ...}]}, ...}
  public func json() -> String {
    // Every value is a string, a number, a Bool or a container of them: encoding cannot fail.
    try! ReportJSON.string(JSONReport(self)) + "\n"
  }

  /// The JSON for a case outside the derivation's scope: its name, `"supported": false`
  /// and `"unsupported": {"field": ..., "value": ..., "reason": ...}`.
  public static func unsupportedJSON(name: String, error: FieldError) -> String {
    struct Unsupported: Encodable {
      var `case`: String
      var supported = false
      var unsupported: [String: String]
    }
    let report = Unsupported(
      case: name,
      unsupported: ["field": error.field, "value": error.value, "reason": error.reason])
    return try! ReportJSON.string(report) + "\n"
  }

  // MARK: Pieces of the text

  /// Why a candidate is one: `cusp of p0; range start`.
  func candidateLabel(_ c: L2Candidate) -> String {
    var parts: [String] = []
    if !c.cuspOf.isEmpty { parts.append("cusp of " + c.cuspOf.joined(separator: ", ")) }
    if c.isStart { parts.append("range start") }
    if c.isEnd { parts.append("range end") }
    return parts.joined(separator: "; ")
  }

  /// Whether a condition holds at the case's probabilities, for one that depends on them
  /// (`: true at p0 = 0.3, p01 = 0.1`); empty for one that always or never holds.
  func verdict(_ c: Condition) -> String {
    guard case .iff = c else { return "" }
    let numbers = symbols.map { "\($0) = \(probabilities[$0] ?? 0)" }.joined(separator: ", ")
    return ": \(c.holds(at: probabilities) ? "true" : "false") at \(numbers)"
  }

  func conditionText(_ c: Condition, _ n: Notation, lead: String?) -> String {
    let text = n.condition(c, order: symbols)
    let iff = n.isLaTeX ? "\\iff" : "iff"
    switch c {
    case .always, .never:
      guard let lead else { return text }
      return n.isLaTeX
        ? "\\text{\(c == .always ? "always" : "never") a \(lead)}" : "\(text) a \(lead)"
    case .iff:
      guard let lead else { return "\(iff) \(text)" }
      return n.isLaTeX ? "\\text{\(lead)} \(iff) \(text)" : "\(lead) \(iff) \(text)"
    }
  }

  /// `-2` in `N'D - N D' = -2 (...)`: 1/scale, empty when 1.
  func factorText(_ s: Stationarity, _ n: Notation) -> String {
    guard let scale = s.scale, let f = try? scale.reciprocal() else { return "" }
    if f == .one { return "" }
    if f == (try? -Rational.one) { return "-" }
    let text = n.number(f)
    return f.isInteger || n.isLaTeX ? text : "(\(text))"
  }

  func stationarityText(_ s: Stationarity, _ n: Notation) -> [String] {
    guard let degree = s.degree else {
      return ["N'D - N D' = 0: the MSE is constant on this piece"]
    }
    let poly = n.polynomial(s.coefficients, order: symbols)
    let factor = factorText(s, n)
    var lines = ["N'D - N D' = \(factor)\(factor.isEmpty ? "" : " ")(\(poly))"]
    if degree == 0 {
      lines.append("no stationary point (degree 0)")
      return lines
    }
    lines.append("stationary (degree \(degree)): \(poly) = 0")
    if let disc = s.discriminant {
      lines.append("discriminant: \(n.expression(disc, order: symbols))")
    }
    let formulas = rootFormulas(s, n)
    var minimum = "minimum: t* = " + formulas.joined(separator: " = ")
    switch s.linearMinimum {
    case .always?: minimum += ", always a minimum"
    case .never?: minimum += ", never a minimum (a maximum)"
    case .iff?: minimum += ", a minimum \(conditionText(s.linearMinimum!, n, lead: nil))"
    case nil:
      if degree == 1, let b = try? s.coefficients[1] * Rational(Int128(s.rootSign)) {
        minimum += ", a minimum where \(n.expression(b, order: symbols)) > 0"
      }
    }
    lines.append(minimum)
    return lines
  }

  /// The minimising root: for degree 2, (-B + sigma sqrt(Delta)) / (2 A) and the stable
  /// 2 C / (-B - sigma sqrt(Delta)); for degree 1, -C / B.
  func rootFormulas(_ s: Stationarity, _ n: Notation) -> [String] {
    let c = s.coefficients
    guard let minusB = try? -c[1] else { return [] }
    if s.degree == 1 {
      guard let minusC = try? -c[0] else { return [] }
      return [n.fraction(n.expression(minusC, order: symbols), n.expression(c[1], order: symbols))]
    }
    guard s.degree == 2, let disc = s.discriminant,
      let twoA = try? c[2] * Rational(2), let twoC = try? c[0] * Rational(2)
    else { return [] }
    let root = n.sqrt(n.expression(disc, order: symbols))
    func withRoot(_ form: Polynomial, _ sign: Int) -> String {
      if form.isZero { return (sign < 0 ? "-" : "") + root }
      return n.expression(form, order: symbols) + (sign < 0 ? " - " : " + ") + root
    }
    // The stable form is left out when C = 0: then it reads 0/(...), undefined exactly
    // when the minimum is the other root, -B/A.
    var formulas: [String]
    if n.isLaTeX {
      formulas = [
        n.fraction(withRoot(minusB, s.rootSign), n.expression(twoA, order: symbols)),
        n.fraction(n.expression(twoC, order: symbols), withRoot(minusB, -s.rootSign)),
      ]
    } else {
      // Plain text: parenthesise compound numerators and denominators.
      func num(_ x: String) -> String { x.contains(" + ") || x.contains(" - ") ? "(\(x))" : x }
      func den(_ x: String) -> String { x.contains(" ") || x.hasPrefix("-") ? "(\(x))" : x }
      formulas = [
        "\(num(withRoot(minusB, s.rootSign)))/\(den(n.expression(twoA, order: symbols)))",
        "\(num(n.expression(twoC, order: symbols)))/\(den(withRoot(minusB, -s.rootSign)))",
      ]
    }
    if c[0].isZero { formulas.removeLast() }
    return formulas
  }
}

/// Text that stays inside one LaTeX `%` comment: line breaks (and every other control
/// character) become spaces, so no title can end the comment, the `align` environment or
/// start a command.
func latexComment(_ text: String) -> String {
  String(
    String.UnicodeScalarView(
      text.unicodeScalars.map {
        $0.properties.generalCategory == .control
          || $0.properties.generalCategory == .lineSeparator
          || $0.properties.generalCategory == .paragraphSeparator ? " " : $0
      }))
}

/// `SymbolicLandscape.json()`'s document, Encodable: keys as documented there.
private struct JSONReport: Encodable {
  let d: SymbolicLandscape

  init(_ d: SymbolicLandscape) { self.d = d }

  enum Key: String, CodingKey {
    case name = "case"
    case supported, bias, symbols
    case tRange = "t_range"
    case tRangeExact = "t_range_exact"
    case denominator, numerator, stationarity, l2
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: Key.self)
    try c.encode(d.name, forKey: .name)
    try c.encode(true, forKey: .supported)
    try c.encode(d.bias.kind.rawValue, forKey: .bias)
    try c.encode(d.symbols, forKey: .symbols)
    try c.encode([ExactNumber(d.tMin), ExactNumber(d.tMax)], forKey: .tRange)
    try c.encode(["\(d.tMin)", "\(d.tMax)"], forKey: .tRangeExact)
    try c.encode(
      Denominator(
        coefficients: d.denominator.reversed().map { "\($0)" },
        text: Notation.plain.polynomial(d.denominator)), forKey: .denominator)
    try c.encode(["pieces": d.pieces.map { NumeratorPiece($0, d) }], forKey: .numerator)
    try c.encode(["pieces": d.pieces.map { StationarityPiece($0, d) }], forKey: .stationarity)
    try c.encode(L2Report(d), forKey: .l2)
  }

  struct Denominator: Encodable {
    var coefficients: [String]
    var text: String
  }

  /// An exact value as a JSON number: the integer itself, else the nearest Double.
  struct ExactNumber: Encodable {
    let r: Rational
    init(_ r: Rational) { self.r = r }
    func encode(to encoder: Encoder) throws {
      var c = encoder.singleValueContainer()
      if r.isInteger { try c.encode(r.numerator) } else { try c.encode(r.doubleValue) }
    }
  }

  /// A polynomial in the probabilities: monomial (`p0*p01`) to exact rational string.
  static func polynomial(_ p: Polynomial, _ symbols: [String]) -> [String: String] {
    Dictionary(
      uniqueKeysWithValues: p.monomials(in: symbols).map { ($0.key(in: symbols), "\(p[$0])") })
  }

  /// A linear form: symbol to exact weight string.
  static func form<W: ExactScalar>(_ f: LinearForm<W>, _ symbols: [String]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: f.symbols(in: symbols).map { ($0, "\(f[$0])") })
  }

  struct Condition: Encodable {
    struct Clause: Encodable {
      var positive: [String: String]
      var text: String
    }
    var verdict: String
    var all: [Clause]?

    init(_ c: Symbolic.Condition, _ symbols: [String]) {
      switch c {
      case .always: verdict = "always"
      case .never: verdict = "never"
      case .iff(let list):
        verdict = "iff"
        all = list.map {
          Clause(
            positive: JSONReport.form($0.form, symbols),
            text: Notation.plain.inequality($0, order: symbols))
        }
      }
    }
  }

  struct NumeratorPiece: Encodable {
    var tRange: [ExactNumber]
    var tRangeExact: [String]
    var active: [String]
    var coefficients: [[String: String]]
    var text: String

    enum CodingKeys: String, CodingKey {
      case tRange = "t_range"
      case tRangeExact = "t_range_exact"
      case active, coefficients, text
    }

    init(_ p: SymbolicPiece, _ d: SymbolicLandscape) {
      tRange = [ExactNumber(p.lo), ExactNumber(p.hi)]
      tRangeExact = ["\(p.lo)", "\(p.hi)"]
      active = p.active
      coefficients = p.numerator.reversed().map { JSONReport.polynomial($0, d.symbols) }
      text = Notation.plain.polynomial(p.numerator, order: d.symbols)
    }
  }

  struct StationarityPiece: Encodable {
    struct Minimum: Encodable {
      var rootSign: Int
      var formulas: [String]
      var when: Condition?
      enum CodingKeys: String, CodingKey {
        case rootSign = "root_sign"
        case formulas, when
      }
    }
    var tRange: [ExactNumber]
    var tRangeExact: [String]
    var degree: Int?
    var scale: String?
    var coefficients: [[String: String]]
    var text: String
    var discriminant: [String: String]?
    var discriminantText: String?
    var minimum: Minimum?

    enum CodingKeys: String, CodingKey {
      case tRange = "t_range"
      case tRangeExact = "t_range_exact"
      case degree, scale, coefficients, text
      case discriminant
      case discriminantText = "discriminant_text"
      case minimum
    }

    init(_ p: SymbolicPiece, _ d: SymbolicLandscape) {
      let s = p.stationarity
      let n = Notation.plain
      tRange = [ExactNumber(p.lo), ExactNumber(p.hi)]
      tRangeExact = ["\(p.lo)", "\(p.hi)"]
      degree = s.degree
      scale = s.scale.map { "\($0)" }
      coefficients = s.coefficients.reversed().map { JSONReport.polynomial($0, d.symbols) }
      text = n.polynomial(s.coefficients, order: d.symbols) + " = 0"
      discriminant = s.discriminant.map { JSONReport.polynomial($0, d.symbols) }
      discriminantText = s.discriminant.map { n.expression($0, order: d.symbols) }
      if s.degree == 2 || s.degree == 1 {
        minimum = Minimum(
          rootSign: s.rootSign, formulas: d.rootFormulas(s, n),
          when: s.linearMinimum.map { Condition($0, d.symbols) })
      }
    }

    /// degree and scale are written as null when absent; the rest only when present.
    func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(tRange, forKey: .tRange)
      try c.encode(tRangeExact, forKey: .tRangeExact)
      try c.encode(degree, forKey: .degree)
      try c.encode(scale, forKey: .scale)
      try c.encode(coefficients, forKey: .coefficients)
      try c.encode(text, forKey: .text)
      try c.encodeIfPresent(discriminant, forKey: .discriminant)
      try c.encodeIfPresent(discriminantText, forKey: .discriminantText)
      try c.encodeIfPresent(minimum, forKey: .minimum)
    }
  }

  struct L2Report: Encodable {
    struct Candidate: Encodable {
      var t: ExactNumber
      var tExact: String
      var cuspOf: [String]
      var start: Bool
      var end: Bool
      var value: [String: String]
      var leftSlope: [String: String]?
      var rightSlope: [String: String]?
      var localMinimum: Condition

      enum CodingKeys: String, CodingKey {
        case t
        case tExact = "t_exact"
        case cuspOf = "cusp_of"
        case start, end, value
        case leftSlope = "left_slope"
        case rightSlope = "right_slope"
        case localMinimum = "local_minimum"
      }

      /// The slopes are written as null at a range end.
      func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(t, forKey: .t)
        try c.encode(tExact, forKey: .tExact)
        try c.encode(cuspOf, forKey: .cuspOf)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(value, forKey: .value)
        try c.encode(leftSlope, forKey: .leftSlope)
        try c.encode(rightSlope, forKey: .rightSlope)
        try c.encode(localMinimum, forKey: .localMinimum)
      }
    }
    struct Comparison: Encodable {
      var lower: String
      var than: String
      var when: Condition
    }
    var supported: Bool
    var reason: String?
    var complete: Bool?
    var candidates: [Candidate]?
    var comparisons: [Comparison]?

    init(_ d: SymbolicLandscape) {
      guard let l2 = d.l2 else {
        supported = false
        reason =
          "not derived with the \(d.bias.kind.rawValue) bias: L2 is not linear in the probabilities"
        return
      }
      let symbols = d.symbols
      supported = true
      complete = l2.complete
      candidates = l2.candidates.map { c in
        Candidate(
          t: ExactNumber(c.t), tExact: "\(c.t)", cuspOf: c.cuspOf, start: c.isStart,
          end: c.isEnd, value: JSONReport.form(c.value, symbols),
          leftSlope: c.leftSlope.map { JSONReport.form($0, symbols) },
          rightSlope: c.rightSlope.map { JSONReport.form($0, symbols) },
          localMinimum: Condition(c.localMinimum, symbols))
      }
      comparisons = l2.comparisons.map {
        Comparison(
          lower: "\($0.lower)", than: "\($0.other)", when: Condition($0.condition, symbols))
      }
    }
  }
}
