import ToyModels

/// Limited-memory BFGS with a line search for the strong Wolfe conditions: the minimiser
/// behind `train --optimizer lbfgs`, `certify`'s true-features SAE and `train --restarts`.
///
///     d_k = -H_k g_k        two-loop recursion over the last m pairs s = x' - x, y = g' - g,
///                           H_0 = (s.y / y.y) I from the newest pair
///     x_{k+1} = x_k + a d_k f(x + a d) <= f(x) + c1 a g.d   and   |g(x + a d).d| <= c2 |g.d|
///
/// (J. Nocedal and S. Wright, Numerical Optimization, 2nd ed., 2006: algorithm 7.4 for the
/// recursion, algorithms 3.5 and 3.6 for the line search and its zoom, with the zoom's trial
/// step the minimiser of the cubic through both ends' values and slopes, kept inside the
/// bracket's middle 80%; Hager and Zhang's approximate Wolfe conditions accepted too, so the
/// run goes on where decreases fall below the value's rounding but slopes still tell.)
///
/// Kinks. The exact SAE loss is smooth within a piece and has kinks where a pattern's
/// pre-activation crosses zero (and, for the L2 loss, where a pattern is reconstructed
/// exactly). Across a kink the slope jumps, so the Wolfe curvature condition may hold on no
/// step: when the zoom cannot meet it, the step with the lowest value that meets the
/// sufficient-decrease condition is taken. A pair with s.y <= 1e-12 |s| |y| (curvature lost
/// across a concave kink) is not stored, so H stays positive definite. When no step lowers the
/// value along d, the memory is dropped and the steepest descent is tried once; if that fails
/// too, the run stops with `noProgress`: the point is a minimum on a kink, or the arithmetic's
/// precision is reached. Deterministic: no random draws, a fixed order of operations.
struct LimitedMemoryBFGS {
  typealias Stop = SAEMinimisation.Stop

  /// Pairs kept, m >= 1.
  var memory = 10
  /// The sufficient-decrease constant c1 in (0, c2).
  var sufficientDecrease = 1e-4
  /// The curvature constant c2 in (c1, 1); 0.9 as usual for quasi-Newton methods.
  var curvature = 0.9
  /// The most value-and-gradient evaluations one line search may use.
  var lineSearchEvaluations = 40
  /// The first iteration's step length along -g, as a length in parameter space.
  var firstStep = 0.1

  /// Minimises f from x (overwritten with the best point found; g with its gradient).
  ///
  /// - Parameters:
  ///   - x: the start, n values; on return the last accepted point.
  ///   - evaluate: f(x), writing its gradient into the second pointer.
  ///   - isStationary: asked at every accepted point with (value, x, gradient).
  ///   - iterations: the limit, >= 0.
  ///   - isCancelled: asked before every iteration; observe after every one with (k, f).
  /// - Returns: the iterations done, the final value and why the run stopped.
  func minimise(
    _ x: inout [Double],
    evaluate: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Double,
    isStationary: (Double, [Double], [Double]) -> Bool,
    iterations limit: Int,
    isCancelled: (() -> Bool)?, observe: ((Int, Double) -> Void)?
  ) throws(CancellationError) -> (iterations: Int, value: Double, gradient: [Double], stop: Stop) {
    let n = x.count
    var g = [Double](repeating: 0, count: n)
    var f = x.withUnsafeBufferPointer { xp in
      g.withUnsafeMutableBufferPointer { evaluate(xp.baseAddress!, $0.baseAddress!) }
    }
    if isStationary(f, x, g) { return (0, f, g, .converged) }
    var pairs: [(s: [Double], y: [Double], rho: Double)] = []
    var trial = [Double](repeating: 0, count: n)
    var trialGradient = [Double](repeating: 0, count: n)
    var done = 0
    var steepest = false
    while done < limit {
      if let isCancelled, isCancelled() { throw CancellationError() }
      // The direction: -H g by the two-loop recursion (steepest descent with no pairs).
      var d = g.map { -$0 }
      if !steepest && !pairs.isEmpty {
        var alphas = [Double](repeating: 0, count: pairs.count)
        for i in stride(from: pairs.count - 1, through: 0, by: -1) {
          let a = pairs[i].rho * dot(pairs[i].s, d)
          alphas[i] = a
          axpy(-a, pairs[i].y, &d)
        }
        let newest = pairs[pairs.count - 1]
        let gamma = dot(newest.s, newest.y) / dot(newest.y, newest.y)
        for j in 0..<n { d[j] *= gamma }
        for i in 0..<pairs.count {
          let b = pairs[i].rho * dot(pairs[i].y, d)
          axpy(alphas[i] - b, pairs[i].s, &d)
        }
      }
      var slope = dot(g, d)
      if !(slope < 0) {
        // Not a descent direction (rounding in H): fall back to the steepest descent.
        pairs.removeAll()
        d = g.map { -$0 }
        slope = dot(g, d)
        guard slope < 0 else { return (done, f, g, .noProgress) }
      }
      let start = pairs.isEmpty ? min(1, firstStep / max(norm(d), 1e-300)) : 1
      func value(at a: Double) -> Double {
        for j in 0..<n { trial[j] = x[j] + a * d[j] }
        return trial.withUnsafeBufferPointer { tp in
          trialGradient.withUnsafeMutableBufferPointer { evaluate(tp.baseAddress!, $0.baseAddress!) }
        }
      }
      guard let step = lineSearch(f, slope, start, value: value, slopeAt: { dot(trialGradient, d) })
      else {
        if steepest || pairs.isEmpty { return (done, f, g, .noProgress) }
        // Kink or stale memory: drop it and try the steepest descent once.
        pairs.removeAll()
        steepest = true
        continue
      }
      steepest = false
      // The accepted point: evaluate again so x, f and g agree (the line search's last
      // evaluation need not be the accepted step).
      let newValue = value(at: step)
      var s = [Double](repeating: 0, count: n)
      var y = [Double](repeating: 0, count: n)
      for j in 0..<n {
        s[j] = trial[j] - x[j]
        y[j] = trialGradient[j] - g[j]
      }
      x = trial
      g = trialGradient
      f = newValue
      done += 1
      observe?(done, f)
      if isStationary(f, x, g) { return (done, f, g, .converged) }
      let sy = dot(s, y)
      if sy > 1e-12 * norm(s) * norm(y) {
        pairs.append((s, y, 1 / sy))
        if pairs.count > memory { pairs.removeFirst() }
      }
    }
    return (done, f, g, .iterationLimit)
  }

  /// A step length meeting the strong Wolfe conditions from value f0 and slope s0 < 0, or
  /// failing that the lowest-valued step meeting sufficient decrease; nil when no step tried
  /// lowers the value enough. `value(a)` evaluates at a (leaving the gradient for `slopeAt`).
  private func lineSearch(
    _ f0: Double, _ s0: Double, _ first: Double,
    value: (Double) -> Double, slopeAt: () -> Double
  ) -> Double? {
    var evaluations = 0
    var best: (a: Double, f: Double)? = nil
    // Hager and Zhang's approximate Wolfe conditions (SIAM J. Optim. 16, 2005, eq. 23-24):
    // near a minimum the decrease f(a) - f0 falls below the value's rounding while the
    // slopes are still exact, so a step whose slope has turned enough and whose value is not
    // above f0 by more than the rounding is accepted too.
    let rounding = 1e-14 * abs(f0)
    func approximatelyWolfe(_ a: Double, _ fa: Double, _ sa: Double) -> Bool {
      fa <= f0 + rounding && sa >= curvature * s0 && sa <= (2 * sufficientDecrease - 1) * s0
    }
    func note(_ a: Double, _ f: Double) {
      if f <= f0 + sufficientDecrease * a * s0, f.isFinite, best == nil || f < best!.f {
        best = (a, f)
      }
    }
    /// One trial step: its value and slope, noted as the best step when it is; nil where the
    /// value is not finite.
    func probe(_ a: Double) -> (f: Double, s: Double)? {
      let f = value(a)
      evaluations += 1
      guard f.isFinite else { return nil }
      note(a, f)
      return (f, slopeAt())
    }
    // Bracketing (algorithm 3.5): grow the step until the value rises or the slope turns.
    var lo = (a: 0.0, f: f0, s: s0)
    var a = first
    var hi: (a: Double, f: Double, s: Double)? = nil
    while evaluations < lineSearchEvaluations {
      guard let (fa, sa) = probe(a) else {
        hi = (a, .infinity, 0)
        break
      }
      if approximatelyWolfe(a, fa, sa) { return a }
      if fa > f0 + sufficientDecrease * a * s0 || (evaluations > 1 && fa >= lo.f) {
        hi = (a, fa, sa)
        break
      }
      if abs(sa) <= -curvature * s0 { return a }
      if sa >= 0 {
        hi = lo
        lo = (a, fa, sa)
        break
      }
      lo = (a, fa, sa)
      a *= 2
    }
    guard var high = hi else { return best?.a }
    // Zoom (algorithm 3.6) between lo (lower value, meets sufficient decrease) and high.
    while evaluations < lineSearchEvaluations {
      let width = high.a - lo.a
      if abs(width) <= 1e-16 * max(abs(lo.a), abs(high.a)) { break }
      var t = Self.cubicMinimiser(lo, high) ?? (lo.a + high.a) / 2
      let inner = (min(lo.a, high.a) + 0.1 * abs(width), max(lo.a, high.a) - 0.1 * abs(width))
      if !(t >= inner.0 && t <= inner.1) { t = (lo.a + high.a) / 2 }
      guard let (ft, st) = probe(t) else {
        high = (t, .infinity, 0)
        continue
      }
      if approximatelyWolfe(t, ft, st) { return t }
      if ft > f0 + sufficientDecrease * t * s0 || ft >= lo.f {
        high = (t, ft, st)
      } else {
        if abs(st) <= -curvature * s0 { return t }
        if st * (high.a - lo.a) >= 0 { high = lo }
        lo = (t, ft, st)
      }
    }
    return best?.a
  }

  /// The minimiser of the cubic with the two ends' values and slopes, if it has one.
  ///
  ///     d1 = s_a + s_b - 3 (f_a - f_b) / (a - b),  d2 = sign(b - a) sqrt(d1^2 - s_a s_b)
  ///     t = b - (b - a) (s_b + d2 - d1) / (s_b - s_a + 2 d2)
  static func cubicMinimiser(
    _ p: (a: Double, f: Double, s: Double), _ q: (a: Double, f: Double, s: Double)
  ) -> Double? {
    guard q.f.isFinite, p.a != q.a else { return nil }
    let d1 = p.s + q.s - 3 * (p.f - q.f) / (p.a - q.a)
    let disc = d1 * d1 - p.s * q.s
    guard disc >= 0 else { return nil }
    let d2 = (q.a > p.a ? 1.0 : -1.0) * disc.squareRoot()
    let denominator = q.s - p.s + 2 * d2
    guard denominator != 0 else { return nil }
    let t = q.a - (q.a - p.a) * (q.s + d2 - d1) / denominator
    return t.isFinite ? t : nil
  }
}

private func norm(_ v: [Double]) -> Double { dot(v, v).squareRoot() }

private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
  for j in 0..<y.count { y[j] += a * x[j] }
}
