import Reports
import Landscape

extension SymbolicLandscape {
  /// The derivation as plain text: D, and per relu piece N, the normalised stationarity
  /// polynomial `... = 0`, its discriminant and the minimising root; then the L2
  /// candidates with their values and local-minimum conditions, and which is lower.
  ///
  /// Conditions are for positive probabilities; an inequality is solved for the last
  /// probability whose weight is a single term (`p01 < p0/sqrt(2)`).
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
      return out + "L2: not derived with the \(bias.kind.rawValue) bias (L2 is not linear in the probabilities)\n"
    }
    out += "L2 = sum_j p_j sqrt(Q_j/D): candidates (cusps and range ends)\n"
    for c in l2.candidates {
      out +=
        "  t = \(n.number(c.t)) (\(candidateLabel(c))): L2 = \(n.form(c.value, order: symbols)); "
      out += conditionText(c.localMinimum, n, lead: "local minimum") + "\n"
    }
    for c in l2.comparisons {
      out +=
        "  L2(\(n.number(c.lower))) < L2(\(n.number(c.other))) \(conditionText(c.condition, n, lead: nil))\n"
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
      out += "% L2 is not derived with the \(bias.kind.rawValue) bias (it is not linear in the probabilities)\n"
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
    let n = Notation.plain
    func forms(_ list: [Polynomial]) -> String {
      "[" + list.reversed().map { jsonPolynomial($0) }.joined(separator: ", ") + "]"
    }
    func range(_ lo: Rational, _ hi: Rational) -> String {
      "\"t_range\": [\(jsonNumber(lo)), \(jsonNumber(hi))], \"t_range_exact\": [\"\(lo)\", \"\(hi)\"]"
    }
    var out =
      "{\"case\": \(jsonString(name)), \"supported\": true, \"bias\": \"\(bias.kind.rawValue)\",\n"
    out += " \"symbols\": [" + symbols.map(jsonString).joined(separator: ", ") + "],\n"
    out += " " + range(tMin, tMax) + ",\n"
    out +=
      " \"denominator\": {\"coefficients\": ["
      + denominator.reversed().map { "\"\($0)\"" }.joined(separator: ", ")
    out += "], \"text\": \(jsonString(n.polynomial(denominator)))},\n"
    out += " \"numerator\": {\"pieces\": [\n"
    out +=
      pieces.map { p in
        "  {" + range(p.lo, p.hi) + ", \"active\": ["
          + p.active.map(jsonString).joined(separator: ", ")
          + "], \"coefficients\": \(forms(p.numerator)), \"text\": \(jsonString(n.polynomial(p.numerator, order: symbols)))}"
      }.joined(separator: ",\n") + "]},\n"
    out += " \"stationarity\": {\"pieces\": [\n"
    out +=
      pieces.map { p in
        let s = p.stationarity
        var o = "  {" + range(p.lo, p.hi)
        o += ", \"degree\": " + (s.degree.map { "\($0)" } ?? "null")
        o += ", \"scale\": " + (s.scale.map { "\"\($0)\"" } ?? "null")
        o += ", \"coefficients\": \(forms(s.coefficients))"
        o += ", \"text\": \(jsonString(n.polynomial(s.coefficients, order: symbols) + " = 0"))"
        if let disc = s.discriminant {
          o += ", \"discriminant\": \(jsonPolynomial(disc))"
          o += ", \"discriminant_text\": \(jsonString(n.expression(disc, order: symbols)))"
        }
        if s.degree == 2 || s.degree == 1 {
          o += ", \"minimum\": {\"root_sign\": \(s.rootSign), \"formulas\": ["
          o += rootFormulas(s, n).map(jsonString).joined(separator: ", ") + "]"
          if let c = s.linearMinimum { o += ", \"when\": \(jsonCondition(c))" }
          o += "}"
        }
        return o + "}"
      }.joined(separator: ",\n") + "]},\n"
    guard let l2 else {
      return out
        + " \"l2\": {\"supported\": false, \"reason\": \"not derived with the \(bias.kind.rawValue) bias: L2 is not linear in the probabilities\"}}\n"
    }
    out += " \"l2\": {\"supported\": true, \"complete\": \(l2.complete), \"candidates\": [\n"
    out +=
      l2.candidates.map { c in
        var o = "  {\"t\": \(jsonNumber(c.t)), \"t_exact\": \"\(c.t)\", \"cusp_of\": ["
        o +=
          c.cuspOf.map(jsonString).joined(separator: ", ")
          + "], \"start\": \(c.isStart), \"end\": \(c.isEnd)"
        o += ", \"value\": \(jsonForm(c.value))"
        o += ", \"left_slope\": " + (c.leftSlope.map { jsonForm($0) } ?? "null")
        o += ", \"right_slope\": " + (c.rightSlope.map { jsonForm($0) } ?? "null")
        o += ", \"local_minimum\": \(jsonCondition(c.localMinimum))}"
        return o
      }.joined(separator: ",\n") + "],\n"
    out +=
      "  \"comparisons\": ["
      + l2.comparisons.map { c in
        "\n  {\"lower\": \"\(c.lower)\", \"than\": \"\(c.other)\", \"when\": \(jsonCondition(c.condition))}"
      }.joined(separator: ",") + "]}}\n"
    return out
  }

  /// The JSON for a case outside the derivation's scope: its name, `"supported": false`
  /// and `"unsupported": {"field": ..., "value": ..., "reason": ...}`.
  public static func unsupportedJSON(name: String, error: CaseError) -> String {
    "{\"case\": \(jsonString(name)), \"supported\": false, \"unsupported\": {\"field\": \(jsonString(error.field)), "
      + "\"value\": \(jsonString(error.value)), \"reason\": \(jsonString(error.reason))}}\n"
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

  /// A polynomial as an object from monomial (`p0`, `p0*p01`) to exact rational string.
  func jsonPolynomial(_ p: Polynomial) -> String {
    "{"
      + p.monomials(in: symbols).map { "\(jsonString($0.key(in: symbols))): \"\(p[$0])\"" }.joined(
        separator: ", ") + "}"
  }

  func jsonForm<W: ExactScalar>(_ f: LinearForm<W>) -> String {
    "{" + f.symbols(in: symbols).map { "\(jsonString($0)): \"\(f[$0])\"" }.joined(separator: ", ")
      + "}"
  }

  func jsonCondition(_ c: Condition) -> String {
    let n = Notation.plain
    switch c {
    case .always: return "{\"verdict\": \"always\"}"
    case .never: return "{\"verdict\": \"never\"}"
    case .iff(let list):
      return "{\"verdict\": \"iff\", \"all\": ["
        + list.map {
          "{\"positive\": \(jsonForm($0.form)), \"text\": \(jsonString(n.inequality($0, order: symbols)))}"
        }.joined(separator: ", ") + "]}"
    }
  }
}

/// A JSON number for an exact value: the integer itself, else the nearest Double.
func jsonNumber(_ r: Rational) -> String { r.isInteger ? "\(r.numerator)" : "\(r.doubleValue)" }

/// A JSON string literal.
func jsonString(_ s: String) -> String { ReportJSON.quoted(s) }

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
