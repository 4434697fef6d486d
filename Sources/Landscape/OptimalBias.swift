import Foundation
import ToyModels

/// One event of a case's firing distribution: a pattern, or "nothing fires" (x = 0).
public struct FiringEvent: Sendable, Hashable {
  /// pi_j > 0.
  public var probability: Double
  /// x_j, one magnitude per feature.
  public var activation: [Double]
}

extension LatentCase {
  /// The events with positive probability: the patterns in order, then "nothing fires"
  /// (x = 0) when its probability 1 - sum_j pi_j is positive. Their probabilities sum to 1.
  public var events: [FiringEvent] {
    var out = patterns.filter { $0.probability > 0 }.map {
      FiringEvent(probability: $0.probability, activation: $0.magnitudes)
    }
    let nothing = nothingProbability
    if nothing > 0 {
      out.append(
        FiringEvent(
          probability: nothing, activation: [Double](repeating: 0, count: features.count)))
    }
    return out
  }
}

/// A decoder bias and the loss it gives at one latent.
public struct BiasedLoss: Sendable, Hashable {
  /// The expected loss (with the penalty, when there is one).
  public var loss: Double
  /// The decoder bias b, in feature coordinates.
  public var bias: [Double]
}

/// The decoder bias that minimises a loss at a fixed latent.
///
/// Split b = beta l + b_perp (beta = l . b, b_perp orthogonal to l). With s = l . x the
/// encoder is h = relu(s - beta) and
///
///     e^2 = |P_perp x - b_perp|^2 + relu(beta - s)^2.
///
/// - MSE, no penalty: b_perp = P_perp mu and beta = min(0, min_j s_j) (nothing clipped),
///   so MSE* = tr(Sigma) - l^T Sigma l, Sigma the covariance.
/// - MSE, penalty lambda E[h^p]: b_perp = P_perp mu; beta minimises the one-dimensional
///   sum_j pi_j [relu(beta - s_j)^2 + lambda relu(s_j - beta)^p], exactly on each piece
///   between the sorted s_j (p = 1: a linear equation; otherwise Brent on the derivative).
/// - L2, no penalty: beta = min(0, min_j s_j) and b_perp the weighted geometric median of
///   the P_perp x_j: a weighted median on a line for two features (the midpoint when the
///   median is an interval), Weiszfeld's iteration otherwise.
/// - L2 with a penalty: the loss is jointly convex in b (p >= 1); it is minimised by the
///   Nelder-Mead simplex from the unpenalised optimum and from the best beta = s_j.
///
/// The optimal bias is not unique where beta is free below every s_j: beta is then
/// reported as min(0, min_j s_j).
public enum OptimalBias {
  /// The optimal decoder bias at a unit latent, and the loss it gives.
  ///
  /// - Parameters:
  ///   - kind: the loss the bias minimises.
  ///   - latent: l, a unit vector in feature coordinates (at least two components).
  ///   - events: the firing distribution, probabilities summing to 1 (see `LatentCase.events`).
  ///   - penalty: the sparsity penalty lambda E[h^p] (lambda >= 0, p > 0).
  public static func solve(
    _ kind: LossKind, latent l: [Double], events: [FiringEvent], penalty: Penalty
  ) -> BiasedLoss {
    let k = l.count
    let s = events.map { dot(l, $0.activation) }
    let projected = events.map { e in
      let sj = dot(l, e.activation)
      return (0..<k).map { e.activation[$0] - sj * l[$0] }
    }
    let weights = events.map(\.probability)
    let floorBeta = min(0, s.min() ?? 0)
    let lambda = penalty.coefficient
    var beta = floorBeta
    var perp = [Double](repeating: 0, count: k)
    var loss = 0.0
    switch (kind, lambda > 0) {
    case (.mse, _):
      for j in events.indices {
        for i in 0..<k { perp[i] += weights[j] * projected[j][i] }
      }
      for j in events.indices {
        var e2 = 0.0
        for i in 0..<k {
          let r = projected[j][i] - perp[i]
          e2 += r * r
        }
        loss += weights[j] * e2
      }
      if lambda > 0 {
        let threshold = thresholdMinimum(s: s, weights: weights, penalty: penalty)
        beta = threshold.beta
        loss += threshold.value
      }
    case (.l2, false):
      perp = geometricMedian(projected, weights: weights, latent: l)
      for j in events.indices {
        var e2 = 0.0
        for i in 0..<k {
          let r = projected[j][i] - perp[i]
          e2 += r * r
        }
        loss += weights[j] * e2.squareRoot()
      }
    case (.l2, true):
      let start = geometricMedian(projected, weights: weights, latent: l)
      let best = penalisedL2Minimum(
        s: s, projected: projected, weights: weights, latent: l, penalty: penalty,
        start: (floorBeta, start))
      beta = best.beta
      perp = best.perp
      loss = best.value
    }
    let bias = (0..<k).map { beta * l[$0] + perp[$0] + 0 }
    return BiasedLoss(loss: loss, bias: bias)
  }

  /// The relu threshold beta minimising g(beta) = sum_j w_j [relu(beta - s_j)^2 +
  /// lambda relu(s_j - beta)^p], and g there.
  ///
  /// g decreases below min s_j and increases above max s_j, so its minimum is at some
  /// s_j or at a stationary point between two consecutive ones, where
  ///
  ///     g' = 2 sum_{s_j < beta} w_j (beta - s_j) - lambda p sum_{s_j > beta} w_j (s_j - beta)^(p-1),
  ///
  /// solved in closed form for p = 1 and by Brent's method otherwise. Ties take the
  /// lowest beta.
  static func thresholdMinimum(s: [Double], weights: [Double], penalty: Penalty) -> (
    beta: Double, value: Double
  ) {
    let lambda = penalty.coefficient
    let p = penalty.exponent
    func g(_ beta: Double) -> Double {
      var total = 0.0
      for j in s.indices {
        let below = beta - s[j]
        if below > 0 {
          total += weights[j] * below * below
        } else if below < 0 {
          total += weights[j] * lambda * (p == 1 ? -below : pow(-below, p))
        }
      }
      return total
    }
    func slope(_ beta: Double) -> Double {
      var total = 0.0
      for j in s.indices {
        let below = beta - s[j]
        if below > 0 {
          total += 2 * weights[j] * below
        } else if below < 0 {
          total -= weights[j] * lambda * (p == 1 ? 1 : p * pow(-below, p - 1))
        }
      }
      return total
    }
    let sorted = Array(Set(s)).sorted()
    var candidates = sorted
    for i in 0..<max(sorted.count - 1, 0) {
      let lo = sorted[i]
      let hi = sorted[i + 1]
      if p == 1 {
        // 2 (A beta - B) - lambda C = 0 with A, B over s_j <= lo and C over s_j >= hi.
        var a = 0.0
        var b = 0.0
        var c = 0.0
        for j in s.indices {
          if s[j] <= lo {
            a += weights[j]
            b += weights[j] * s[j]
          } else {
            c += weights[j]
          }
        }
        if a > 0 {
          let beta = (2 * b + lambda * c) / (2 * a)
          if beta > lo && beta < hi { candidates.append(beta) }
        }
      } else {
        let samples = 16
        var previous = (beta: lo, slope: slope(lo + Tolerance.besideKink * max(1, abs(lo))))
        for n in 1...samples {
          let beta = n == samples ? hi : lo + (hi - lo) * Double(n) / Double(samples)
          let current =
            n == samples ? slope(hi - Tolerance.besideKink * max(1, abs(hi))) : slope(beta)
          if previous.slope < 0 && current > 0,
            let root = GSL.bracketedRoot(in: previous.beta, beta, slope)
          {
            candidates.append(root)
          }
          previous = (beta, current)
        }
      }
    }
    var best = (beta: sorted.first ?? 0, value: Double.infinity)
    for beta in candidates.sorted() {
      let v = g(beta)
      if v < best.value - Tolerance.lowerLoss * abs(v) { best = (beta, v) }
    }
    return best
  }

  /// The weighted geometric median of points that all lie in the plane orthogonal to
  /// `latent`: argmin_m sum_j w_j |y_j - m|.
  ///
  /// Two features: a weighted median along n = (-l_1, l_0), the midpoint of the interval
  /// when the weights below it sum to exactly half. More features: a data point y_m is
  /// the median when |sum_{j != m} w_j (y_m - y_j) / |y_m - y_j|| <= w_m; otherwise
  /// Weiszfeld's iteration m <- sum (w_j y_j / |y_j - m|) / sum (w_j / |y_j - m|), run to
  /// a step below `Tolerance.weiszfeldStep` (1e-15) of the points' scale.
  static func geometricMedian(_ y: [[Double]], weights: [Double], latent l: [Double])
    -> [Double]
  {
    let k = l.count
    let total = weights.reduce(0, +)
    if k == 2 {
      let n = [-l[1], l[0]]
      let z = y.map { dot(n, $0) }
      let order = z.indices.sorted { z[$0] < z[$1] }
      var cumulative = 0.0
      var median = 0.0
      for (position, j) in order.enumerated() {
        cumulative += weights[j]
        if cumulative >= 0.5 * total - Tolerance.medianHalf * total {
          median = z[j]
          if abs(cumulative - 0.5 * total) <= Tolerance.medianHalf * total,
            position + 1 < order.count
          {
            median = 0.5 * (z[j] + z[order[position + 1]])
          }
          break
        }
      }
      return [median * n[0], median * n[1]]
    }
    let scale = max(y.reduce(0) { max($0, dot($1, $1).squareRoot()) }, Tolerance.smallestScale)
    func distance(_ a: [Double], _ b: [Double]) -> Double {
      var d = 0.0
      for i in 0..<k { d += (a[i] - b[i]) * (a[i] - b[i]) }
      return d.squareRoot()
    }
    // A data point is the median when the pull of the others does not exceed its weight.
    for m in y.indices {
      var pull = [Double](repeating: 0, count: k)
      var own = 0.0
      for j in y.indices {
        let d = distance(y[m], y[j])
        if d <= Tolerance.samePoint * scale {
          own += weights[j]
          continue
        }
        for i in 0..<k { pull[i] += weights[j] * (y[m][i] - y[j][i]) / d }
      }
      if dot(pull, pull).squareRoot() <= own * (1 + Tolerance.medianPull) { return y[m] }
    }
    var m = [Double](repeating: 0, count: k)
    for j in y.indices { for i in 0..<k { m[i] += weights[j] * y[j][i] / total } }
    for _ in 0..<100_000 {
      var next = [Double](repeating: 0, count: k)
      var norm = 0.0
      for j in y.indices {
        let d = max(distance(y[j], m), Tolerance.smallestScale)
        norm += weights[j] / d
        for i in 0..<k { next[i] += weights[j] * y[j][i] / d }
      }
      for i in 0..<k { next[i] /= norm }
      let step = distance(next, m)
      m = next
      if step <= Tolerance.weiszfeldStep * scale { break }
    }
    return m
  }

  /// The L2 loss with a penalty, minimised over beta and b_perp (k variables: beta and
  /// b_perp's coordinates in an orthonormal basis of the plane orthogonal to l).
  static func penalisedL2Minimum(
    s: [Double], projected: [[Double]], weights: [Double], latent l: [Double], penalty: Penalty,
    start: (beta: Double, perp: [Double])
  ) -> (beta: Double, perp: [Double], value: Double) {
    let k = l.count
    let basis = orthonormalComplement(of: l)
    let lambda = penalty.coefficient
    let p = penalty.exponent
    func perp(_ x: [Double]) -> [Double] {
      var v = [Double](repeating: 0, count: k)
      for (c, e) in zip(x.dropFirst(), basis) { for i in 0..<k { v[i] += c * e[i] } }
      return v
    }
    func loss(_ x: [Double]) -> Double {
      let beta = x[0]
      let b = perp(x)
      var total = 0.0
      for j in s.indices {
        var e2 = 0.0
        for i in 0..<k {
          let r = projected[j][i] - b[i]
          e2 += r * r
        }
        let clipped = max(beta - s[j], 0)
        let h = LatentActivation.encode(s[j] - beta)
        let error: Double = (e2 + clipped * clipped).squareRoot()
        let sparsity: Double = lambda * pow(h, p)
        total += weights[j] * (error + sparsity)
      }
      return total
    }
    let coordinates = basis.map { dot($0, start.perp) }
    var scale = 1e-3
    for j in s.indices { scale = max(scale, abs(s[j]), dot(projected[j], projected[j]).squareRoot()) }
    // Start from the unpenalised optimum and from the best threshold at an s_j.
    var starts = [[start.beta] + coordinates]
    if let beta = s.min(by: { loss([$0] + coordinates) < loss([$1] + coordinates) }) {
      starts.append([beta] + coordinates)
    }
    var best = (x: starts[0], value: loss(starts[0]))
    for first in starts {
      var x = first
      for step in [0.1 * scale, 1e-4 * scale] {
        guard
          let found = GSL.simplexMinimum(
            from: x, step: step, tolerance: Tolerance.biasSimplex * scale, iterations: 4000, loss)
        else { break }
        x = found.x
      }
      let v = loss(x)
      if v < best.value { best = (x, v) }
    }
    return (best.x[0], perp(best.x), best.value)
  }

  /// An orthonormal basis of the plane orthogonal to the unit vector l (k - 1 vectors),
  /// by Gram-Schmidt over the coordinate axes.
  static func orthonormalComplement(of l: [Double]) -> [[Double]] {
    let k = l.count
    var basis: [[Double]] = [l]
    for axis in 0..<k where basis.count < k {
      var v = (0..<k).map { $0 == axis ? 1.0 : 0.0 }
      for _ in 0..<2 {
        for e in basis {
          let c = dot(v, e)
          for i in 0..<k { v[i] -= c * e[i] }
        }
      }
      let norm = dot(v, v).squareRoot()
      if norm > Tolerance.independentAxis { basis.append(v.map { $0 / norm }) }
    }
    return Array(basis.dropFirst())
  }
}
