/// How exact expressions are spelled: plain text or LaTeX.
///
/// Plain text: `p0 t^2 - (p0 + 2 p01) t + p01`, `p0/sqrt(2)`, `3 p0/2`. A weight of one is
/// left out, a fraction is written after its symbol (`p0/2`), a square root in the
/// denominator stays there when the denominator holds it (`p0/sqrt(2)` for sqrt(2)/2 p0),
/// a coefficient with several symbols is parenthesised, and the terms of a polynomial
/// are grouped per power of t, highest first. LaTeX uses the same grouping with `\frac`,
/// `\sqrt` and subscripted symbols (`p01` -> `p_{01}`).
public struct Notation: Sendable, Hashable {
  /// True for LaTeX (math mode), false for plain text.
  public let isLaTeX: Bool

  public static let plain = Notation(isLaTeX: false)
  public static let latex = Notation(isLaTeX: true)

  /// A symbol: `p01` in plain text; `p_{01}` in LaTeX (letters then a subscript of the
  /// rest when the name is letters followed by digits; `\mathit{...}` otherwise).
  public func symbol(_ name: String) -> String {
    guard isLaTeX else { return name }
    let letters = name.prefix { $0.isASCII && $0.isLetter }
    let rest = name.dropFirst(letters.count)
    if !letters.isEmpty && !rest.isEmpty && rest.allSatisfy({ $0.isASCII && $0.isNumber }) {
      return letters.count == 1 ? "\(letters)_{\(rest)}" : "\\mathit{\(letters)}_{\(rest)}"
    }
    if name.count == 1 && letters.count == 1 { return name }
    let escaped = name.replacingOccurrences(of: "\\", with: "\\backslash ")
      .replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "{", with: "\\{")
      .replacingOccurrences(of: "}", with: "\\}").replacingOccurrences(of: "&", with: "\\&")
      .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "#", with: "\\#")
      .replacingOccurrences(of: "$", with: "\\$")
    return "\\mathit{\(escaped)}"
  }

  func sqrt(_ body: String) -> String { isLaTeX ? "\\sqrt{\(body)}" : "sqrt(\(body))" }

  func fraction(_ num: String, _ den: String) -> String {
    if isLaTeX { return "\\frac{\(num)}{\(den)}" }
    let d = den.contains(" ") ? "(\(den))" : den
    let n = num.contains(" + ") || num.contains(" - ") ? "(\(num))" : num
    return "\(n)/\(d)"
  }

  /// Juxtaposition of a number and what it multiplies.
  func times(_ a: String, _ b: String) -> String {
    if a.isEmpty { return b }
    if b.isEmpty { return a }
    return isLaTeX
      ? "\(a)\(b.first == "\\" && a.last?.isLetter == true ? " " : "")\(b)" : "\(a) \(b)"
  }

  /// A rational as a number: `-3/2`, `\tfrac{3}{2}`.
  public func number(_ r: Rational) -> String {
    if r.isZero { return "0" }
    let (negative, body) = magnitude(Radical(r), times: "")
    return (negative ? "-" : "") + body
  }

  /// |r sqrt(m)| times x (x may be empty: the number alone), for one term.
  func term(_ r: Rational, _ m: Int128, times x: String) -> String {
    let a = r.numerator.magnitude
    let b = r.denominator
    let aText = a == 1 ? "" : "\(a)"
    if m == 1 {
      if b == 1 { return x.isEmpty ? "\(a)" : times(aText, x) }
      let num = x.isEmpty ? "\(a)" : times(aText, x)
      return fraction(num, "\(b)")
    }
    let root = sqrt("\(m)")
    if b % m == 0 {
      let b2 = b / m
      let den = b2 == 1 ? root : times("\(b2)", root)
      let num = x.isEmpty ? "\(a)" : times(aText, x)
      return fraction(num, den)
    }
    let num = times(times(aText, root), x)
    return b == 1 ? num : fraction(num, "\(b)")
  }

  /// A closed-form number r1 sqrt(m1) + ... as an expression: `1 - 1/sqrt(2)`.
  public func radical(_ x: Radical) -> String {
    if x.isZero { return "0" }
    var out = ""
    for (i, t) in x.sortedTerms.enumerated() {
      let body = term(t.coefficient, t.radicand, times: "")
      let negative = t.coefficient.sign < 0
      out += i == 0 ? (negative ? "-" : "") + body : (negative ? " - " : " + ") + body
    }
    return out
  }

  /// (is negative, |w| x): a weight times x, with the sign split off. A weight with
  /// several square-root terms is parenthesised (negated first when all its terms are
  /// negative).
  func magnitude(_ w: Radical, times x: String) -> (Bool, String) {
    let terms = w.sortedTerms
    if terms.isEmpty { return (false, x.isEmpty ? "0" : times("0", x)) }
    if terms.count == 1 {
      return (
        terms[0].coefficient.sign < 0, term(terms[0].coefficient, terms[0].radicand, times: x)
      )
    }
    let allNegative = terms.allSatisfy { $0.coefficient.sign < 0 }
    let shown = allNegative ? ((try? -w) ?? w) : w
    let inner = isLaTeX ? "\\left(\(radical(shown))\\right)" : "(\(radical(shown)))"
    return (allNegative, times(inner, x))
  }

  /// Signed terms joined: `-p0 + 2 p01`; `0` when there are none.
  func join(_ terms: [(negative: Bool, body: String)]) -> String {
    if terms.isEmpty { return "0" }
    var out = ""
    for (i, t) in terms.enumerated() {
      out += i == 0 ? (t.negative ? "-" : "") + t.body : (t.negative ? " - " : " + ") + t.body
    }
    return out
  }

  /// A linear form: `p0 + 2 p01`, `p0/sqrt(2)`, `0`.
  public func form<W: ExactScalar>(_ f: LinearForm<W>, order: [String]) -> String {
    join(f.symbols(in: order).map { magnitude(f[$0].radical, times: symbol($0)) })
  }

  /// A monomial: `p0^2`, `p0 p01` (`p_{0}p_{01}` in LaTeX).
  public func monomial(_ m: Monomial, order: [String]) -> String {
    m.powers(in: order).map { power(symbol($0.symbol), $0.power) }.reduce("") { times($0, $1) }
  }

  /// A polynomial in the probabilities: `p0^2 - 6 p0 p01 + 25 p01^2`, lower degrees first.
  public func expression(_ p: Polynomial, order: [String]) -> String {
    join(
      p.monomials(in: order).map { magnitude(Radical(p[$0]), times: monomial($0, order: order)) })
  }

  func power(_ base: String, _ k: Int) -> String {
    k == 1 ? base : (isLaTeX ? "\(base)^{\(k)}" : "\(base)^\(k)")
  }

  /// A polynomial in t from its coefficients [c0, c1, ...], terms grouped per power,
  /// highest first: `p0 t^2 - (p0 + 2 p01) t + p01`.
  public func polynomial(_ coefficients: [Polynomial], order: [String], variable: String = "t")
    -> String
  {
    var terms: [(negative: Bool, body: String)] = []
    for k in stride(from: coefficients.count - 1, through: 0, by: -1) {
      let c = coefficients[k]
      if c.isZero { continue }
      let tk = k == 0 ? "" : power(variable, k)
      let monomials = c.monomials(in: order)
      if monomials.count == 1 {
        var (negative, body) = magnitude(
          Radical(c[monomials[0]]), times: monomial(monomials[0], order: order))
        if k > 0 && !isLaTeX && body.contains("/") { body = "(\(body))" }
        terms.append((negative, times(body, tk)))
      } else {
        let negative = c[monomials[0]].sign < 0
        let shown = negative ? ((try? -c) ?? c) : c
        let inner =
          isLaTeX
          ? "\\left(\(expression(shown, order: order))\\right)"
          : "(\(expression(shown, order: order)))"
        terms.append((negative, times(inner, tk)))
      }
    }
    return join(terms)
  }

  /// A polynomial in t with rational coefficients: `2 t^2 - 2 t + 1`.
  public func polynomial(_ coefficients: [Rational], variable: String = "t") -> String {
    var terms: [(negative: Bool, body: String)] = []
    for k in stride(from: coefficients.count - 1, through: 0, by: -1) {
      let c = coefficients[k]
      if c.isZero { continue }
      let tk = k == 0 ? "" : power(variable, k)
      var (negative, body) = magnitude(Radical(c), times: "")
      if k > 0 && c.denominator == 1 && c.numerator.magnitude == 1 { body = "" }
      if k > 0 && !isLaTeX && body.contains("/") { body = "(\(body))" }
      terms.append((negative, times(body, tk)))
    }
    return join(terms)
  }

  /// An inequality in its solved form (`p01 < p0/sqrt(2)`), or `form > 0` when no
  /// symbol can be isolated.
  public func inequality(_ i: Inequality, order: [String]) -> String {
    if let s = try? i.solved(order: order) {
      return "\(symbol(s.symbol)) \(s.isLess ? "<" : ">") \(form(s.rhs, order: order))"
    }
    return "\(form(i.form, order: order)) > 0"
  }

  /// `always`, `never`, or the inequalities joined by `and`.
  public func condition(_ c: Condition, order: [String]) -> String {
    switch c {
    case .always: return isLaTeX ? "\\text{always}" : "always"
    case .never: return isLaTeX ? "\\text{never}" : "never"
    case .iff(let list):
      return list.map { inequality($0, order: order) }.joined(
        separator: isLaTeX ? " \\text{ and } " : " and ")
    }
  }
}
