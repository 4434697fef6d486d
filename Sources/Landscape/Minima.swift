import Foundation

/// What makes a point a candidate minimum.
public enum MinimumKind: String, Sendable, Hashable, CaseIterable {
  /// The derivative vanishes (a root of the stationarity equation).
  case stationary
  /// The latent is parallel to a pattern: L2 has a kink there.
  case cusp
  /// A pattern starts or stops firing (a root of s_j).
  case breakpoint
  /// An end of the t range.
  case boundary
  /// An end of the t range where the latent is also parallel to a pattern: both a cusp and
  /// a boundary (t = 0 on [0, 1] is the parent's cusp; on [-0.5, 1] it is a plain cusp).
  case cuspAtEnd = "cusp at end"

  /// Which kind names a point that is several at once.
  var priority: Int {
    switch self {
    case .cuspAtEnd: 4
    case .boundary: 3
    case .cusp: 2
    case .breakpoint: 1
    case .stationary: 0
    }
  }

  /// The kind of a point that is this kind and `other` at once: a cusp at an end of the
  /// range is `cuspAtEnd`; otherwise the kind of higher priority.
  func merged(with other: MinimumKind) -> MinimumKind {
    let both: Set = [self, other]
    if both.contains(.boundary) && (both.contains(.cusp) || both.contains(.cuspAtEnd)) {
      return .cuspAtEnd
    }
    return other.priority > priority ? other : self
  }
}

/// A local minimum of a loss along the path.
public struct Minimum: Sendable, Hashable {
  /// Where: the path parameter.
  public var t: Double
  /// The loss there.
  public var loss: Double
  /// Whether no point of the range is lower (ties within 1e-12 relative count).
  public var isGlobal: Bool
  /// Why it is a candidate.
  public var kind: MinimumKind

  public init(t: Double, loss: Double, isGlobal: Bool, kind: MinimumKind) {
    self.t = t
    self.loss = loss
    self.isGlobal = isGlobal
    self.kind = kind
  }
}

extension LossLandscape {
  /// Every local minimum of a loss on [tMin, tMax], sorted by t.
  ///
  /// Candidates are the range ends, the relu breakpoints, the cusps and the stationary
  /// points. Without a penalty, the MSE's stationary points on a piece are the roots of
  /// the quadratic N'D - N D' (`gsl_poly_solve_quadratic`); otherwise the derivative is
  /// bracketed on each smooth sub-interval and its roots found by Brent's method, except
  /// where every term is known to be concave in the latent's angle (no bias, patterns in
  /// the path's plane, L2 with no penalty or an L1 penalty), which puts the minima on
  /// the sub-interval ends. A non-smooth point is a local minimum when its left slope
  /// is <= 0 and its right slope >= 0.
  /// - Parameter kind: the loss.
  public func minima(_ kind: LossKind) -> [Minimum] {
    withMinima(kind) { Array($0) }
  }

  /// Calls `body` with every local minimum of a loss (as `minima(_:)` returns them),
  /// held in temporary storage: no allocation when the minima need no root search.
  public func withMinima<R>(_ kind: LossKind, _ body: (UnsafeBufferPointer<Minimum>) throws -> R)
    rethrows -> R
  {
    let points = kind == .mse ? msePoints : l2Points
    let closedForm = kind == .mse && source.penalty.coefficient == 0
    let searchesRoots = !closedForm && !(kind == .l2 && concaveBetweenKinks)
    // Every candidate point, two quadratic roots per piece, or a root per sign change.
    let capacity =
      points.count + 2 * pieces.count + (searchesRoots ? points.count * Self.samples / 2 : 0)
    return try withUnsafeTemporaryAllocation(of: Minimum.self, capacity: capacity) { storage in
      var result = MinimaBuffer(storage: storage)
      // Non-smooth points and ends: one-sided slopes.
      var lowest = (t: Double.nan, loss: Double.infinity, kind: MinimumKind.boundary)
      for i in points.indices {
        let t = points[i].t
        let f = value(kind, at: t, piece: pieces[pieceIndex(t)])
        if f < lowest.loss { lowest = (t, f, points[i].kind) }
        if i > 0 && descends(kind, from: t, value: f, toward: points[i - 1].t) { continue }
        if i < points.count - 1 && descends(kind, from: t, value: f, toward: points[i + 1].t) {
          continue
        }
        result.insert(Minimum(t: t, loss: f, isGlobal: false, kind: points[i].kind))
      }
      // Smooth stationary points.
      func add(_ t: Double) {
        let loss = value(kind, at: t, piece: pieces[pieceIndex(t)])
        result.insert(Minimum(t: t, loss: loss, isGlobal: false, kind: .stationary))
      }
      if closedForm {
        for piece in pieces {
          let p = Quadratic.quotientSlopeNumerator(piece.numerator, norm)
          // A piece where every pattern is clipped is flat: N'D - N D' is rounding.
          let n = piece.numerator
          let size =
            max(abs(n.c0), abs(n.c1), abs(n.c2)) * max(abs(norm.c0), abs(norm.c1), abs(norm.c2))
          if max(abs(p.c0), abs(p.c1), abs(p.c2)) <= Tolerance.flatNumerator * size { continue }
          let roots = GSL.quadraticRoots(p.c2, p.c1, p.c0)
          if roots.count > 0, Self.strictlyInside(roots.r0, piece.lo, piece.hi),
            p.slope(roots.r0) > 0
          {
            add(roots.r0)
          }
          if roots.count > 1, Self.strictlyInside(roots.r1, piece.lo, piece.hi),
            p.slope(roots.r1) > 0
          {
            add(roots.r1)
          }
        }
      } else if searchesRoots {
        for k in 0..<(points.count - 1) {
          let a = points[k].t
          let b = points[k + 1].t
          let piece = pieces[pieceIndex(0.5 * (a + b))]
          for r in stationaryMinima(kind, in: a, b, piece: piece) { add(r) }
        }
      }
      var best = Double.infinity
      for i in 0..<result.count { best = min(best, storage[i].loss) }
      // The global minimum is at most the lowest end or kink. On badly conditioned cases
      // rounding can make every candidate look like a descent; keep that point then, so
      // there is always a global minimum.
      if lowest.loss < best {
        result.insert(Minimum(t: lowest.t, loss: lowest.loss, isGlobal: false, kind: lowest.kind))
        best = lowest.loss
      }
      let found = UnsafeMutableBufferPointer(rebasing: storage[0..<result.count])
      let tie = best + Tolerance.globalTie * abs(best) + Tolerance.smallestScale
      for i in found.indices where found[i].loss <= tie {
        found[i].isGlobal = true
      }
      if weightScale != 1 {
        for i in found.indices { found[i].loss *= weightScale }
      }
      return try body(UnsafeBufferPointer(found))
    }
  }

  /// Minima in t order in fixed storage; a point that is the same t as one already there
  /// (`Tolerance.isSameT`) merges with it, keeping the t of the higher-priority kind and
  /// both kinds (`MinimumKind.merged(with:)`).
  struct MinimaBuffer {
    let storage: UnsafeMutableBufferPointer<Minimum>
    var count = 0

    mutating func insert(_ m: Minimum) {
      for j in 0..<count where Tolerance.isSameT(storage[j].t, m.t) {
        let kind = storage[j].kind.merged(with: m.kind)
        if m.kind.priority > storage[j].kind.priority { storage[j] = m }
        storage[j].kind = kind
        return
      }
      precondition(count < storage.count, "more minima than candidates")
      storage.initializeElement(at: count, to: m)
      count += 1
      var j = count - 1
      while j > 0 && storage[j - 1].t > storage[j].t {
        storage.swapAt(j - 1, j)
        j -= 1
      }
    }
  }

  /// Whether the loss decreases when leaving t toward `next` (a neighbouring candidate
  /// point, so the loss is smooth in between).
  ///
  /// Decided by the one-sided slope; when that vanishes to rounding, by comparing the
  /// loss a short step away (a flat start of a concave stretch still descends).
  func descends(_ kind: LossKind, from t: Double, value f: Double, toward next: Double) -> Bool {
    let side: Double = next > t ? 1 : -1
    let piece = pieces[pieceIndex(t, side: side)]
    let g = side * slope(kind, at: t, piece: piece, side: side)
    // The rounding in g scales with the magnitudes, not with f: where the model
    // reconstructs (almost) exactly, f is near 0 and a vanishing slope's rounding
    // would pass for a descent.
    let scale = max(abs(f), slopeScale(kind), Tolerance.smallestScale)
    // Rounding in g grows as D(t) shrinks (a path passing near the origin): ~1e-11 of
    // the scale has been seen; the probe below settles anything that small.
    if g < -Tolerance.slopeNoise * scale { return true }
    if g > Tolerance.slopeNoise * scale { return false }
    let step = 1e-4 * abs(next - t)
    let lower = f - Tolerance.probeDescent * max(abs(f), Tolerance.smallestScale)
    return value(kind, at: t + side * step, piece: piece) < lower
  }

  /// The global minima (usually one; several on ties).
  public func globalMinima(_ kind: LossKind) -> [Minimum] {
    minima(kind).filter(\.isGlobal)
  }

  /// True when, between consecutive cusps and breakpoints, the L2 loss is a positive
  /// sum of functions concave in the latent's angle, so it has no interior minimum there.
  ///
  /// Holds with no bias and every firing pattern in the plane of the path (each active
  /// error |x_j| |sin(phi - phi_j)| is concave between its zeros; clipped errors are
  /// constant), with no penalty or an L1 penalty (|x_j| cos(phi - phi_j) is concave).
  ///
  /// With the L2-optimal bias and two features (no penalty), the loss is
  /// sum_j pi_j |n . (x_j - x_m)| with n orthogonal to the latent and x_m the weighted
  /// median: each term is |x_j - x_m| |sin(phi - phi_jm)|, concave between the cusps
  /// where the median's order changes (`differenceCusps`).
  static func concaveBetweenKinks(_ source: LatentCase, _ terms: [Term]) -> Bool {
    if source.penalty.coefficient > 0 && source.penalty.exponent != 1 { return false }
    switch source.bias {
    case .none, .fixed:
      return terms.allSatisfy { !$0.active || $0.cusp != nil }
    case .optimal:
      return source.features.count == 2 && source.penalty.coefficient == 0
    case .centered:
      return false
    }
  }

  /// Interior local minima of a loss on (a, b), where it is smooth: the derivative is
  /// sampled (with the one-sided slopes at the ends) and each sign change from - to +
  /// is refined by Brent's method.
  /// Derivative samples per smooth sub-interval in the root search.
  static let samples = 32

  func stationaryMinima(_ kind: LossKind, in a: Double, _ b: Double, piece: Piece) -> [Double] {
    let samples = Self.samples
    var ts: [Double] = [a]
    for i in 1..<samples {
      // Chebyshev-like spacing, denser near the ends where kinks bend the curve.
      let x = 0.5 - 0.5 * cos(Double.pi * Double(i) / Double(samples))
      ts.append(a + (b - a) * x)
    }
    ts.append(b)
    func f(_ t: Double) -> Double {
      slope(kind, at: t, piece: piece, side: t <= a ? 1 : (t >= b ? -1 : 1))
    }
    // Slopes within rounding of zero (a stretch where every pattern is clipped is flat)
    // change no sign.
    // Central differences carry ~1e-10 of the scale.
    let noise =
      (solvesBias(kind) ? Tolerance.slopeNoise : Tolerance.exactSlopeNoise) * slopeScale(kind)
    var roots: [Double] = []
    var previous = (t: ts[0], slope: f(ts[0]))
    for t in ts.dropFirst() {
      let current = f(t)
      if previous.slope < -noise && current > noise,
        let r = GSL.bracketedRoot(in: previous.t, t, f),
        Self.strictlyInside(r, a, b)
      {
        roots.append(r)
      }
      if abs(current) > noise { previous = (t, current) }
    }
    return roots
  }

  /// The size of a loss's slopes for this case's magnitudes, which sets the size of
  /// their rounding: max |x_j|^2 for MSE, max |x_j| for L2, plus the penalty's share.
  func slopeScale(_ kind: LossKind) -> Double {
    let size = largestSquaredMagnitude
    return (kind == .mse ? size : size.squareRoot()) + source.penalty.coefficient
      * size.squareRoot()
  }

  /// Whether r lies in (a, b) by more than `Tolerance.strictlyInside` max(1, |r|).
  ///
  /// A stationary point at an end (a clipped piece's minimum at its own breakpoint, found
  /// a little inside: the roots carry ~1e-12 relative error) is that end: the one-sided
  /// slopes there have decided it already.
  static func strictlyInside(_ r: Double, _ a: Double, _ b: Double) -> Bool {
    let tolerance = Tolerance.strictlyInside * max(1, abs(r))
    return r - a > tolerance && b - r > tolerance
  }

  /// Sorted candidates with near-duplicates (the same t, `Tolerance.isSameT`) merged,
  /// keeping the t of highest priority and both kinds (`MinimumKind.merged(with:)`).
  static func merged(_ points: [Candidate]) -> [Candidate] {
    let sorted = points.sorted { $0.t < $1.t }
    var out: [Candidate] = []
    for p in sorted {
      if let last = out.last, Tolerance.isSameT(last.t, p.t) {
        if p.kind.priority > last.kind.priority { out[out.count - 1] = p }
        out[out.count - 1].kind = last.kind.merged(with: p.kind)
      } else {
        out.append(p)
      }
    }
    return out
  }
}
