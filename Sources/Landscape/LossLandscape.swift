import Foundation
import ToyModels

/// Which expected loss: the mean squared error or the mean unsquared error norm.
public enum LossKind: String, Sendable, Hashable, CaseIterable {
  /// E[|x - xhat|^2] (+ penalty).
  case mse
  /// E[|x - xhat|] (+ penalty).
  case l2
}

/// The exact expected losses of a case along its latent path, piece by piece.
///
/// Per pattern j: s_j(t) = w(t) . x_j (linear), D(t) = |w(t)|^2 (quadratic). Between
/// relu breakpoints (roots of s_j) each pattern's squared error is Q_j(t) / D(t) with Q_j
/// quadratic:
///
///     Q_j = |w x c_j|^2 + [s_j <= 0] s_j^2
///
/// with c_j = x_j - b and s_j = w . (x_j - b) for no bias (b = 0) and a fixed bias b;
/// c_j = x_j - mu and s_j = w . x_j for the centered bias b = mu - (l . mu) l; and
/// c_j = x_j - mu with nothing ever clipped for the MSE-optimal bias without a penalty
/// (then MSE = tr(Sigma) - l^T Sigma l). With a bias the "nothing fires" event x = 0 is a
/// term too. Then
///
///     MSE(t) = sum_j pi_j Q_j / D + lambda sum_j pi_j (relu(s_j) / sqrt D)^p
///     L2(t)  = sum_j pi_j sqrt(Q_j / D) + lambda sum_j pi_j (relu(s_j) / sqrt D)^p
///
/// Q_j >= 0; where it touches zero (the latent is parallel to the pattern) L2 has a cusp,
/// and Q_j = c2 (t - t_c)^2 is kept factored so the cusp is exact.
///
/// The losses whose optimal bias has no such form (L2, and MSE with a penalty) are
/// evaluated latent by latent with `OptimalBias`; their slopes are central differences.
///
/// Without a bias, t does not depend on a common scale of the probabilities: the
/// weights are normalised to sum to 1 and the losses scaled back, so that probabilities
/// of any size (down to 1e-300) give the same minima.
public struct LossLandscape: Sendable {
  /// The case this landscape belongs to.
  public private(set) var source: LatentCase
  /// D(t) = |w(t)|^2.
  let norm: Quadratic
  /// Breakpoints strictly inside the t range, ascending.
  let breakpoints: [Double]
  /// The relu pieces, in t order, covering [tMin, tMax].
  private(set) var pieces: [Piece]
  /// Every piece's terms, piece after piece.
  private(set) var terms: [Term]
  /// Where MSE can have a non-smooth or end minimum: the ends and the breakpoints.
  let msePoints: [Candidate]
  /// Where L2 can: the ends, the breakpoints and the cusps.
  let l2Points: [Candidate]
  /// See `concaveBetweenKinks(_:_:)`.
  let concaveBetweenKinks: Bool
  /// max_j |x_j|^2: the scale of the rounding in the slopes.
  let largestSquaredMagnitude: Double
  /// The sum of the probabilities the terms' weights were divided by (1 with a bias).
  private(set) var weightScale: Double
  /// The events (with their probabilities), for the losses solved latent by latent.
  private(set) var events: [FiringEvent]
  /// Where the latent is parallel to the pattern that fires the first two features
  /// together (the merged solution; t = 1/2 for the paper's hierarchy), if on the range.
  public private(set) var mergedT: Double?

  /// A point where a minimum may sit without the derivative vanishing.
  struct Candidate: Sendable {
    var t: Double
    var kind: MinimumKind
  }

  /// One relu piece: an interval on which every pattern is either active or clipped.
  struct Piece: Sendable {
    var lo: Double
    var hi: Double
    /// The piece's terms are `terms[termRange]`.
    var termRange: Range<Int>
    /// N(t) = sum_j pi_j Q_j(t).
    var numerator: Quadratic
  }

  /// One pattern's part of the loss on a piece.
  struct Term: Sendable {
    /// The pattern's index in the case (-1: "nothing fires", a term only with the bias).
    var pattern: Int
    var probability: Double
    /// Q_j on this piece, expanded (its weighted sum is the MSE's numerator).
    var q: Quadratic
    /// Q_j in vertex form, Q_j = curvature (t - vertex)^2 + floor, every part computed
    /// without cancellation (see `SquareSum`).
    var curvature: Double
    var vertex: Double
    var floor: Double
    /// The vertex when the floor vanishes: the L2 cusp.
    var cusp: Double?
    /// s_j(t) = sa + sb t.
    var sa: Double
    var sb: Double
    var active: Bool

    /// sqrt(Q_j(t)), accurate near the vertex and exact at a cusp.
    @inline(__always) func root(_ t: Double) -> Double {
      let d = t - vertex
      return (curvature * d * d + floor).squareRoot()
    }

    /// The derivative of sqrt(Q_j) at t; at a cusp, the one-sided one on `side`.
    @inline(__always) func rootSlope(_ t: Double, side: Double) -> Double {
      if let c = cusp, Tolerance.isSameT(t, c) {
        // Cusps of parallel patterns differ by rounding: within the tolerance that
        // merges candidates, t is at the cusp.
        return (side < 0 ? -1 : 1) * curvature.squareRoot()
      }
      let r = root(t)
      return r > 0 ? curvature * (t - vertex) / r : 0
    }
  }

  /// A sum of squared linear forms, sum_m (alpha_m + beta_m t)^2, in vertex form.
  ///
  ///     curvature = sum beta^2,  vertex = -sum(alpha beta) / curvature,
  ///     floor = sum_{m<n} (alpha_m beta_n - alpha_n beta_m)^2 / curvature
  ///
  /// (Lagrange's identity), so the floor is a sum of squares and never the difference
  /// of two nearly equal numbers. Q_j is such a sum: |w x c|^2 over the pairs of
  /// coordinates of w(t) and c = x_j - b-part, plus s_j^2 when the relu clips x_j.
  struct SquareSum {
    var expanded: Quadratic
    var curvature: Double
    var vertex: Double
    var floor: Double

    init(_ forms: [(alpha: Double, beta: Double)]) {
      var c0 = 0.0
      var c1 = 0.0
      var c2 = 0.0
      for f in forms {
        c0 += f.alpha * f.alpha
        c1 += 2 * f.alpha * f.beta
        c2 += f.beta * f.beta
      }
      expanded = Quadratic(c0, c1, c2)
      curvature = c2
      guard c2 > 0 else {
        vertex = 0
        floor = c0
        return
      }
      vertex = -0.5 * c1 / c2
      var cross = 0.0
      for m in forms.indices {
        for n in forms.indices where n > m {
          let k = forms[m].alpha * forms[n].beta - forms[n].alpha * forms[m].beta
          cross += k * k
        }
      }
      floor = cross / c2
    }
  }

  /// Builds the landscape of a validated case.
  ///
  /// - Parameter source: a case that passed `validate()`.
  public init(_ source: LatentCase) {
    self.source = source
    let u = source.path.from
    let dir = zip(u, source.path.to).map { $1 - $0 }
    norm = Quadratic(dot(u, u), 2 * dot(u, dir), dot(dir, dir))
    let scale = Self.weightScale(source)
    weightScale = scale
    events = source.events
    let lines = Self.lines(source, from: u, direction: dir, weightScale: scale)
    let cuts = Self.breakpoints(lines, in: source.path.tMin, source.path.tMax)
    breakpoints = cuts
    let built = Self.pieces(lines, breakpoints: cuts, in: source.path.tMin, source.path.tMax)
    pieces = built.pieces
    terms = built.terms
    let candidates = Self.candidates(source, pieces: built.pieces, terms: built.terms, cuts)
    msePoints = candidates.mse
    l2Points = candidates.l2
    concaveBetweenKinks = Self.concaveBetweenKinks(source, built.terms)
    largestSquaredMagnitude = source.patterns.reduce(0) {
      max($0, dot($1.magnitudes, $1.magnitudes))
    }
    mergedT = Self.mergedCusp(source)
  }

  /// One event as the landscape sees it along the path: its weight, what the bias leaves
  /// of its activation, and the relu's argument.
  struct Line {
    /// The pattern's index in the case (-1: "nothing fires").
    var pattern: Int
    var probability: Double
    /// The forms of |w x c_j|^2 (`crossForms`), c_j what the bias leaves of x_j.
    var cross: [(alpha: Double, beta: Double)]
    /// s_j = a + b t, the relu's argument (times |w|).
    var a: Double
    var b: Double
    /// Whether the relu can pass s_j (false: the event never fires the latent).
    var canFire: Bool
    /// Whether the relu can clip s_j (false: nothing is ever clipped, the optimal bias).
    var canClip: Bool
  }

  /// The lines of a case's patterns in order, then, with a bias, "nothing fires" (x = 0).
  ///
  /// c_j and s_j by bias: none, x_j and w . x_j; fixed b, x_j - b and w . (x_j - b);
  /// centered, x_j - mu and w . x_j ("nothing fires" never fires); optimal (no penalty),
  /// x_j - mu and nothing ever clipped.
  /// - Parameters:
  ///   - u: w(0); `dir`: w(1) - w(0).
  ///   - scale: the divisor of the pattern probabilities (`weightScale(_:)`).
  static func lines(
    _ source: LatentCase, from u: [Double], direction dir: [Double], weightScale scale: Double
  ) -> [Line] {
    let zero = [Double](repeating: 0, count: source.features.count)
    let mu = source.meanActivation
    var lines: [Line] = []
    var indexed: [(Int, Pattern)] = source.patterns.enumerated().map { ($0.offset, $0.element) }
    indexed.append((-1, Pattern(name: "nothing", probability: 0, magnitudes: zero)))
    for (j, p) in indexed {
      let probability = j >= 0 ? p.probability / scale : source.nothingProbability
      let x = p.magnitudes
      func line(_ c: [Double], a: Double, b: Double, canFire: Bool, canClip: Bool) -> Line {
        Line(
          pattern: j, probability: probability, cross: crossForms(u, dir, c), a: a, b: b,
          canFire: canFire, canClip: canClip)
      }
      switch source.bias {
      case .none:
        if j < 0 { continue }
        lines.append(line(x, a: dot(u, x), b: dot(dir, x), canFire: true, canClip: true))
      case .fixed(let bias):
        let c = zip(x, bias).map { $0 - $1 }
        lines.append(line(c, a: dot(u, c), b: dot(dir, c), canFire: true, canClip: true))
      case .centered:
        let c = zip(x, mu).map { $0 - $1 }
        lines.append(line(c, a: dot(u, x), b: dot(dir, x), canFire: j >= 0, canClip: true))
      case .optimal:
        let c = zip(x, mu).map { $0 - $1 }
        lines.append(line(c, a: 0, b: 0, canFire: false, canClip: false))
      }
    }
    return lines
  }

  /// The linear forms (alpha_ik + beta_ik t) = (w(t) x c)_ik, i < k, whose squares sum to
  /// |w(t) x c|^2 = |w|^2 |c|^2 - (w . c)^2: the error of reconstructing c along l(t).
  static func crossForms(_ u: [Double], _ dir: [Double], _ c: [Double]) -> [(
    alpha: Double, beta: Double
  )] {
    var forms: [(alpha: Double, beta: Double)] = []
    for i in c.indices {
      for k in c.indices where k > i {
        forms.append((u[i] * c[k] - u[k] * c[i], dir[i] * c[k] - dir[k] * c[i]))
      }
    }
    return forms
  }

  /// The relu breakpoints strictly inside (lo, hi), ascending.
  ///
  /// Every pattern's breakpoint cuts, whatever its probability, so that `reweight` keeps
  /// the pieces. Breakpoints a rounding apart (patterns with parallel magnitudes), or from
  /// an end, are one: a piece an ulp wide would hold the wrong active set at the merged
  /// candidate point (see `merged`).
  static func breakpoints(_ lines: [Line], in lo: Double, _ hi: Double) -> [Double] {
    var cuts: [Double] = []
    for line in lines where line.canFire {
      if let t = LatentActivation.threshold(a: line.a, b: line.b), Tolerance.isInterior(t, lo, hi) {
        cuts.append(t)
      }
    }
    cuts.sort()
    return cuts.reduce(into: []) { acc, t in
      if let last = acc.last, Tolerance.isSameT(last, t) { return }
      acc.append(t)
    }
  }

  /// The relu pieces between the ends and the breakpoints, and their terms, piece after
  /// piece: on each, every line is active or clipped throughout (decided at its middle).
  static func pieces(_ lines: [Line], breakpoints cuts: [Double], in lo: Double, _ hi: Double)
    -> (pieces: [Piece], terms: [Term])
  {
    let bounds = [lo] + cuts + [hi]
    var pieces: [Piece] = []
    var terms: [Term] = []
    for k in 0..<(bounds.count - 1) {
      let mid = 0.5 * (bounds[k] + bounds[k + 1])
      let first = terms.count
      var numerator = Quadratic.zero
      for line in lines {
        let active = !line.canClip || (line.canFire && LatentActivation.fires(line.a + line.b * mid))
        let q = error(line, active: active)
        numerator = numerator + line.probability * q.expanded
        if let term = term(line, q, active: active) { terms.append(term) }
      }
      let range = first..<terms.count
      pieces.append(Piece(lo: bounds[k], hi: bounds[k + 1], termRange: range, numerator: numerator))
    }
    return (pieces, terms)
  }

  /// A line's squared error times D on a piece: Q_j = |w x c_j|^2, plus s_j^2 where the
  /// relu clips it (h = 0 leaves the part along the latent unreconstructed).
  static func error(_ line: Line, active: Bool) -> SquareSum {
    active ? SquareSum(line.cross) : SquareSum(line.cross + [(line.a, line.b)])
  }

  /// A line's term on a piece, its error `q`; nil when the pattern is reconstructed
  /// exactly everywhere there. A floor within `Tolerance.cuspFloor` makes the vertex an
  /// exact cusp.
  static func term(_ line: Line, _ q: SquareSum, active: Bool) -> Term? {
    let size = q.expanded.c0 + q.curvature
    if size == 0 { return nil }
    // + 0: never -0.0.
    let cusp: Double? =
      q.curvature > 0 && q.floor <= Tolerance.cuspFloor * size ? q.vertex + 0 : nil
    return Term(
      pattern: line.pattern, probability: line.probability, q: q.expanded,
      curvature: q.curvature, vertex: q.vertex, floor: cusp == nil ? q.floor : 0, cusp: cusp,
      sa: line.a, sb: line.b, active: active && line.canFire)
  }

  /// Where MSE and L2 can have a non-smooth or end minimum, merged (`merged`): for MSE the
  /// ends and the breakpoints; for L2 also the terms' vertices (`vertexCandidates`), or,
  /// with the optimal bias, the ends and the difference cusps.
  static func candidates(
    _ source: LatentCase, pieces: [Piece], terms: [Term], _ breakpoints: [Double]
  ) -> (mse: [Candidate], l2: [Candidate]) {
    let lo = source.path.tMin
    let hi = source.path.tMax
    let ends = [Candidate(t: lo, kind: .boundary), Candidate(t: hi, kind: .boundary)]
    let kinks = breakpoints.map { Candidate(t: $0, kind: .breakpoint) }
    let mse = merged(ends + kinks)
    if source.bias == .optimal {
      // The L2-optimal bias follows the weighted median of the projected events, whose
      // order changes where the latent is parallel to the difference of two events.
      return (mse, merged(ends + differenceCusps(source, in: lo, hi)))
    }
    return (mse, merged(ends + kinks + vertexCandidates(source, pieces: pieces, terms: terms)))
  }

  /// Where a term's error is least, on its piece: a cusp, or (a pattern off the path's
  /// plane) the bottom of a valley that may be narrower than the root search's samples.
  /// A clipped term without a bias or with a fixed one is |c_j|^2 D, constant in the loss:
  /// its vertex means nothing.
  static func vertexCandidates(_ source: LatentCase, pieces: [Piece], terms: [Term]) -> [Candidate] {
    let clippedIsConstant = source.bias.kind == .none || source.bias.kind == .fixed
    var out: [Candidate] = []
    for piece in pieces {
      for term in terms[piece.termRange]
      where term.curvature > 0 && (term.active || !clippedIsConstant) {
        let t = term.vertex
        if t >= piece.lo, t <= piece.hi {
          out.append(Candidate(t: t, kind: term.cusp != nil ? .cusp : .stationary))
        }
      }
    }
    return out
  }

  /// The divisor of the probabilities: their sum without a bias (t then does not depend
  /// on their common scale), 1 with a bias (the "nothing fires" event's weight is
  /// 1 - sum_j pi_j) or when every probability is 0.
  static func weightScale(_ source: LatentCase) -> Double {
    guard source.bias == .none else { return 1 }
    let sum = source.patterns.reduce(0) { $0 + $1.probability }
    return sum > 0 ? sum : 1
  }

  /// The t strictly inside (lo, hi) where w(t) is parallel to x_i - x_j for two events
  /// of positive probability (two features only; elsewhere none are needed).
  static func differenceCusps(_ source: LatentCase, in lo: Double, _ hi: Double) -> [Candidate] {
    guard source.features.count == 2 else { return [] }
    let u = source.path.from
    let v = source.path.to
    let points = source.events.map(\.activation)
    var out: [Candidate] = []
    for i in points.indices {
      for j in points.indices where j > i {
        let d = [points[i][0] - points[j][0], points[i][1] - points[j][1]]
        // w(t) x d = (u x d) + t ((v - u) x d) = 0.
        let a = u[0] * d[1] - u[1] * d[0]
        let b = (v[0] - u[0]) * d[1] - (v[1] - u[1]) * d[0]
        guard b != 0 else { continue }
        let t = -a / b + 0
        if Tolerance.isInterior(t, lo, hi) { out.append(Candidate(t: t, kind: .cusp)) }
      }
    }
    return out
  }

  /// The t in the range where the latent is parallel to the first pattern that fires
  /// both of the first two features (the merged solution), if there is one.
  static func mergedCusp(_ source: LatentCase) -> Double? {
    guard source.features.count >= 2,
      let merged = source.patterns.first(where: { $0.magnitudes[0] != 0 && $0.magnitudes[1] != 0 })
    else { return nil }
    let u = source.path.from
    let dir = zip(u, source.path.to).map { $1 - $0 }
    let q = SquareSum(crossForms(u, dir, merged.magnitudes))
    let size = q.expanded.c0 + q.curvature
    guard q.curvature > 0, q.floor <= Tolerance.cuspFloor * size else { return nil }
    let t = q.vertex + 0
    let lo = source.path.tMin
    let hi = source.path.tMax
    let onRange = t >= lo - Tolerance.sameTWidth(at: lo) && t <= hi + Tolerance.sameTWidth(at: hi)
    return onRange ? t : nil
  }

  /// Replaces the pattern probabilities in place (in pattern order).
  ///
  /// Without a bias only the weights change, so this is cheap: the pieces, the Q_j and
  /// the cusps depend on the path and the magnitudes alone. With the optimal bias mu
  /// moves, and the landscape is built anew.
  /// - Parameter probabilities: one per pattern, each in [0, 1], summing to at most 1.
  public mutating func reweight(_ probabilities: [Double]) {
    precondition(probabilities.count == source.patterns.count)
    for j in probabilities.indices { source.patterns[j].probability = probabilities[j] }
    if source.bias != .none {
      self = LossLandscape(source)
      return
    }
    let scale = Self.weightScale(source)
    weightScale = scale
    for k in pieces.indices {
      var numerator = Quadratic.zero
      for i in pieces[k].termRange {
        let p = probabilities[terms[i].pattern] / scale
        terms[i].probability = p
        numerator = numerator + p * terms[i].q
      }
      pieces[k].numerator = numerator
    }
  }

  /// Whether a loss is solved latent by latent (the optimal bias for L2, or for MSE with
  /// a penalty) instead of by the piecewise forms.
  func solvesBias(_ kind: LossKind) -> Bool {
    source.bias == .optimal && (kind == .l2 || source.penalty.coefficient > 0)
  }

  /// The decoder bias the loss uses at t, in feature coordinates (zero without a bias).
  ///
  /// - Parameters:
  ///   - kind: with the optimal bias, the loss it minimises.
  ///   - t: the path parameter.
  public func bias(_ kind: LossKind, at t: Double) -> [Double] {
    let l = source.path.latent(at: t)
    switch source.bias {
    case .none: return l.map { _ in 0 }
    case .fixed(let b): return b
    case .centered:
      let mu = source.meanActivation
      let m = dot(l, mu)
      return zip(mu, l).map { $0 - m * $1 + 0 }
    case .optimal:
      return OptimalBias.solve(kind, latent: l, events: events, penalty: source.penalty).bias
    }
  }

  // MARK: Evaluation

  /// The index of the piece holding t, taking the left piece at a breakpoint when
  /// `side` < 0 and the right one otherwise.
  func pieceIndex(_ t: Double, side: Double = 1) -> Int {
    var k = 0
    for b in breakpoints {
      if side < 0 ? t > b : t >= b { k += 1 } else { break }
    }
    return k
  }

  /// The expected loss at t (t within the range; outside it, the end pieces extend).
  ///
  /// - Parameters:
  ///   - kind: MSE or L2; both include the penalty when the case has one.
  ///   - t: the path parameter.
  public func loss(_ kind: LossKind, at t: Double) -> Double {
    weightScale * value(kind, at: t, piece: pieces[pieceIndex(t)])
  }

  /// The loss at t divided by `weightScale`.
  func value(_ kind: LossKind, at t: Double, piece: Piece) -> Double {
    if solvesBias(kind) {
      return OptimalBias.solve(
        kind, latent: source.path.latent(at: t), events: events, penalty: source.penalty
      ).loss
    }
    let d = norm(t)
    var total: Double
    switch kind {
    case .mse:
      total = max(piece.numerator(t), 0) / d
    case .l2:
      var sum = 0.0
      for i in piece.termRange { sum += terms[i].probability * terms[i].root(t) }
      total = sum / d.squareRoot()
    }
    if source.penalty.coefficient > 0 {
      let p = source.penalty.exponent
      total += penalty(over: piece) { term in
        let h = LatentActivation.encode(term.sa + term.sb * t) / d.squareRoot()
        return p == 1 ? h : pow(h, p)
      }
    }
    return total
  }

  /// lambda sum_j p_j f(term j) over the piece's active terms: the penalty's part of a loss or
  /// of its slope.
  private func penalty(over piece: Piece, _ f: (Term) -> Double) -> Double {
    var sum = 0.0
    for i in piece.termRange where terms[i].active { sum += terms[i].probability * f(terms[i]) }
    return source.penalty.coefficient * sum
  }

  /// The derivative of the loss at t within `piece`; at a cusp, the one-sided
  /// derivative on `side` (negative: from the left).
  func slope(_ kind: LossKind, at t: Double, piece: Piece, side: Double) -> Double {
    if solvesBias(kind) { return differenceSlope(kind, at: t, side: side) }
    let d = norm(t)
    let dd = norm.slope(t)
    let sd = d.squareRoot()
    var total: Double
    switch kind {
    case .mse:
      let n = piece.numerator
      total = (n.slope(t) * d - n(t) * dd) / (d * d)
    case .l2:
      var sum = 0.0
      for i in piece.termRange {
        let term = terms[i]
        let r = term.root(t)
        let dr = term.rootSlope(t, side: side)
        sum += term.probability * (dr / sd - r * dd / (2 * d * sd))
      }
      total = sum
    }
    if source.penalty.coefficient > 0 {
      let p = source.penalty.exponent
      total += penalty(over: piece) { term in
        let s = LatentActivation.encode(term.sa + term.sb * t)
        if p == 1 { return term.sb / sd - s * dd / (2 * d * sd) }
        let dp = pow(d, p / 2)
        return p * pow(s, p - 1) * term.sb / dp - (p / 2) * pow(s, p) * dd / (dp * d)
      }
    }
    return total
  }

  /// The one-sided derivative of the loss at t from `side` (negative: the left).
  public func slope(_ kind: LossKind, at t: Double, side: Double) -> Double {
    weightScale * slope(kind, at: t, piece: pieces[pieceIndex(t, side: side)], side: side)
  }

  /// The derivative of a loss solved latent by latent: a central difference with step
  /// h = 1e-6 max(1, |t|) (truncation ~h^2, rounding ~1e-16 / h, both ~1e-10 of the
  /// scale); at a candidate point (a kink or an end) the second-order one-sided
  /// difference on `side`, (-3 f(t) + 4 f(t + h) - f(t + 2h)) / (2h).
  func differenceSlope(_ kind: LossKind, at t: Double, side: Double) -> Double {
    let points = kind == .mse ? msePoints : l2Points
    let h = 1e-6 * max(1, abs(t))
    let f = { (t: Double) in
      OptimalBias.solve(
        kind, latent: self.source.path.latent(at: t), events: self.events,
        penalty: self.source.penalty
      ).loss
    }
    if points.contains(where: { Tolerance.isSameT($0.t, t) }) {
      let step = side < 0 ? -h : h
      return (-3 * f(t) + 4 * f(t + step) - f(t + 2 * step)) / (2 * step)
    }
    return (f(t + h) - f(t - h)) / (2 * h)
  }
}

extension LatentCase {
  /// Where the latent is parallel to the pattern that fires the first two features
  /// together (the merged solution), if on the t range; see `LossLandscape.mergedT`.
  public var mergedT: Double? { LossLandscape.mergedCusp(self) }
}
