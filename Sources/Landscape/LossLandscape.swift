import Foundation

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
///     no bias:      Q_j = |x_j|^2 D - [s_j > 0] s_j^2
///     optimal bias: Q_j = |x_j - mu|^2 D + 2 m s_j - m^2 - [s_j > 0] s_j^2,  m = w . mu
///
/// (with the optimal bias the "nothing fires" pattern x = 0 is a term too). Then
///
///     MSE(t) = sum_j pi_j Q_j / D + lambda sum_j pi_j (relu(s_j) / sqrt D)^p
///     L2(t)  = sum_j pi_j sqrt(Q_j / D) + lambda sum_j pi_j (relu(s_j) / sqrt D)^p
///
/// Q_j >= 0; where it touches zero (the latent is parallel to the pattern) L2 has a cusp,
/// and Q_j = c2 (t - t_c)^2 is kept factored so the cusp is exact.
public struct LossLandscape: Sendable {
  /// The case this landscape belongs to.
  public private(set) var source: Case
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
      if let c = cusp, abs(t - c) <= 1e-12 * max(1, abs(c)) {
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
  public init(_ source: Case) {
    self.source = source
    let u = source.path.from
    let v = source.path.to
    let dir = zip(u, v).map { $1 - $0 }
    let norm = Quadratic(dot(u, u), 2 * dot(u, dir), dot(dir, dir))
    self.norm = norm
    let lo = source.path.tMin
    let hi = source.path.tMax

    struct Line {
      var pattern: Int
      var probability: Double
      var x: [Double]
      var a: Double
      var b: Double
      var canFire: Bool
    }
    var lines = source.patterns.enumerated().map { j, p in
      Line(
        pattern: j, probability: p.probability, x: p.magnitudes, a: dot(u, p.magnitudes),
        b: dot(dir, p.magnitudes), canFire: true)
    }
    var mu = [Double](repeating: 0, count: source.features.count)
    if source.bias == .optimal {
      mu = source.meanActivation
      lines.append(
        Line(
          pattern: -1, probability: source.nothingProbability, x: mu.map { _ in 0 }, a: 0, b: 0,
          canFire: false))
    }

    // Every pattern's breakpoint cuts, whatever its probability, so that `reweight`
    // keeps the pieces.
    var cuts: [Double] = []
    for line in lines where line.canFire && line.b != 0 {
      let t = -line.a / line.b
      if t - lo > 1e-12 * max(1, abs(lo)) && hi - t > 1e-12 * max(1, abs(hi)) { cuts.append(t) }
    }
    cuts.sort()
    // Breakpoints a rounding apart (patterns with parallel magnitudes), or from an end,
    // are one: a piece an ulp wide would hold the wrong active set at the merged
    // candidate point (see `merged`).
    cuts = cuts.reduce(into: []) { acc, t in
      if let last = acc.last, t - last <= 1e-12 * max(1, abs(t)) { return }
      acc.append(t)
    }
    self.breakpoints = cuts

    let bounds = [lo] + cuts + [hi]
    var pieces: [Piece] = []
    var allTerms: [Term] = []
    for k in 0..<(bounds.count - 1) {
      let a = bounds[k]
      let b = bounds[k + 1]
      let mid = 0.5 * (a + b)
      let first = allTerms.count
      var numerator = Quadratic.zero
      for line in lines {
        let active = line.canFire && line.a + line.b * mid > 0
        // |w x c|^2 (+ s_j^2 when clipped): c = x_j without a bias, x_j - mu with
        // the optimal one (then Q_j = |c|^2 D - (w . c)^2 + [clipped] s_j^2).
        let c = zip(line.x, mu).map { $0 - $1 }
        var forms: [(alpha: Double, beta: Double)] = []
        for i in c.indices {
          for k in c.indices where k > i {
            forms.append((u[i] * c[k] - u[k] * c[i], dir[i] * c[k] - dir[k] * c[i]))
          }
        }
        if !active { forms.append((line.a, line.b)) }
        let q = SquareSum(forms)
        numerator = numerator + line.probability * q.expanded
        let scale = q.expanded.c0 + q.curvature
        if scale == 0 { continue }  // the pattern is reconstructed exactly everywhere here
        let cusp: Double? = q.curvature > 0 && q.floor <= 1e-24 * scale ? q.vertex + 0 : nil  // + 0: never -0.0
        allTerms.append(
          Term(
            pattern: line.pattern, probability: line.probability, q: q.expanded,
            curvature: q.curvature,
            vertex: q.vertex, floor: cusp == nil ? q.floor : 0, cusp: cusp, sa: line.a, sb: line.b,
            active: active))
      }
      pieces.append(Piece(lo: a, hi: b, termRange: first..<allTerms.count, numerator: numerator))
    }
    self.pieces = pieces
    self.terms = allTerms
    let ends = [Candidate(t: lo, kind: .boundary), Candidate(t: hi, kind: .boundary)]
    let kinks = cuts.map { Candidate(t: $0, kind: .breakpoint) }
    // Where a term's error is least: a cusp, or (a pattern off the path's plane) the
    // bottom of a valley that may be narrower than the root search's samples. A clipped
    // term without a bias is |x_j|^2 D, constant in the loss: its vertex means nothing.
    var cusps: [Candidate] = []
    for piece in pieces {
      for term in allTerms[piece.termRange]
      where term.curvature > 0 && (term.active || source.bias == .optimal) {
        let t = term.vertex
        if t >= piece.lo, t <= piece.hi {
          cusps.append(Candidate(t: t, kind: term.cusp != nil ? .cusp : .stationary))
        }
      }
    }
    self.msePoints = Self.merged(ends + kinks)
    self.l2Points = Self.merged(ends + kinks + cusps)
    self.concaveBetweenKinks = Self.concaveBetweenKinks(source, allTerms)
    self.largestSquaredMagnitude = source.patterns.reduce(0) {
      max($0, dot($1.magnitudes, $1.magnitudes))
    }
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
    for k in pieces.indices {
      var numerator = Quadratic.zero
      for i in pieces[k].termRange {
        let p = probabilities[terms[i].pattern]
        terms[i].probability = p
        numerator = numerator + p * terms[i].q
      }
      pieces[k].numerator = numerator
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
    value(kind, at: t, piece: pieces[pieceIndex(t)])
  }

  func value(_ kind: LossKind, at t: Double, piece: Piece) -> Double {
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
    let lambda = source.penalty.coefficient
    if lambda > 0 {
      let p = source.penalty.exponent
      var sum = 0.0
      for i in piece.termRange where terms[i].active {
        let term = terms[i]
        let h = max(term.sa + term.sb * t, 0) / d.squareRoot()
        sum += term.probability * (p == 1 ? h : pow(h, p))
      }
      total += lambda * sum
    }
    return total
  }

  /// The derivative of the loss at t within `piece`; at a cusp, the one-sided
  /// derivative on `side` (negative: from the left).
  func slope(_ kind: LossKind, at t: Double, piece: Piece, side: Double) -> Double {
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
    let lambda = source.penalty.coefficient
    if lambda > 0 {
      let p = source.penalty.exponent
      var sum = 0.0
      for i in piece.termRange where terms[i].active {
        let term = terms[i]
        let s = max(term.sa + term.sb * t, 0)
        if p == 1 {
          sum += term.probability * (term.sb / sd - s * dd / (2 * d * sd))
        } else {
          let dp = pow(d, p / 2)
          sum +=
            term.probability
            * (p * pow(s, p - 1) * term.sb / dp - (p / 2) * pow(s, p) * dd / (dp * d))
        }
      }
      total += lambda * sum
    }
    return total
  }

  /// The one-sided derivative of the loss at t from `side` (negative: the left).
  public func slope(_ kind: LossKind, at t: Double, side: Double) -> Double {
    slope(kind, at: t, piece: pieces[pieceIndex(t, side: side)], side: side)
  }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
  var s = 0.0
  for i in a.indices { s += a[i] * b[i] }
  return s
}
