import Foundation
import ToyModels

extension LatentCase {
  /// The exact expected losses of the tied SAE whose latent is the unit vector `latent`
  /// (feature coordinates), computed event by event from the model's definition.
  ///
  ///     h = relu(l . (x - b)),  xhat = h l + b,  e = |x - xhat|
  ///     MSE = E[e^2] + lambda E[h^p],  L2 = E[e] + lambda E[h^p]
  ///
  /// with b = 0, a fixed b, the centered b = mu - (l . mu) l, or the optimal bias (for
  /// each loss its own minimiser, `OptimalBias`). This is the definition, independent of
  /// the piecewise forms of `LossLandscape`; both must agree.
  /// - Parameter latent: a unit vector with one component per feature.
  /// - Returns: (mse, l2).
  public func losses(atLatent latent: [Double]) -> (mse: Double, l2: Double) {
    if bias == .optimal {
      let events = self.events
      return (
        OptimalBias.solve(.mse, latent: latent, events: events, penalty: penalty).loss,
        OptimalBias.solve(.l2, latent: latent, events: events, penalty: penalty).loss
      )
    }
    let b = decoderBias(atLatent: latent)
    return (loss(.mse, latent: latent, bias: b), loss(.l2, latent: latent, bias: b))
  }

  /// The losses at t on the path, from the definition (see `losses(atLatent:)`).
  public func losses(at t: Double) -> (mse: Double, l2: Double) {
    losses(atLatent: path.latent(at: t))
  }

  /// The decoder bias at a latent for the biases that do not depend on the loss: zero,
  /// the fixed vector, or mu - (l . mu) l; the MSE-optimal bias for `optimal`.
  public func decoderBias(atLatent latent: [Double]) -> [Double] {
    let k = features.count
    switch bias {
    case .none: return [Double](repeating: 0, count: k)
    case .fixed(let b): return b
    case .centered:
      let mu = meanActivation
      let lm = dot(latent, mu)
      return (0..<k).map { mu[$0] - lm * latent[$0] }
    case .optimal:
      return OptimalBias.solve(.mse, latent: latent, events: events, penalty: penalty).bias
    }
  }

  /// A loss at a latent with a given decoder bias b, from the definition.
  ///
  /// - Parameters:
  ///   - kind: MSE or L2, both with the case's penalty.
  ///   - latent: a unit vector.
  ///   - bias: b, in feature coordinates.
  public func loss(_ kind: LossKind, latent: [Double], bias b: [Double]) -> Double {
    loss(kind, latent: latent, bias: b, events: events)
  }

  /// `loss(_:latent:bias:)` over events computed once (a search calls it many times); the
  /// same operations in the same order, so the same bits, without allocating.
  func loss(_ kind: LossKind, latent: [Double], bias b: [Double], events: [FiringEvent])
    -> Double
  {
    let k = features.count
    let exponent = penalty.exponent
    var total = 0.0
    var penaltySum = 0.0
    for event in events {
      let x = event.activation
      var s = 0.0
      for i in 0..<k { s += latent[i] * (x[i] - b[i]) }
      let h = LatentActivation.encode(s)
      var e2 = 0.0
      for i in 0..<k {
        let r = x[i] - (h * latent[i] + b[i])
        e2 += r * r
      }
      total += event.probability * (kind == .mse ? e2 : e2.squareRoot())
      penaltySum += event.probability * (exponent == 1 ? h : pow(h, exponent))
    }
    return total + (penalty.coefficient > 0 ? penalty.coefficient * penaltySum : 0)
  }
}

/// The MSE-optimal unit latent over the whole sphere.
public struct SphereOptimum: Sendable, Hashable {
  /// The latent, a unit vector in feature coordinates.
  public var latent: [Double]
  /// The exact expected MSE (with the case's bias and penalty) at `latent`.
  public var loss: Double
  /// The decoder bias there (zero without a bias).
  public var bias: [Double]
  /// Whether the relu clips some firing pattern at `latent` (l . (x_j - b) < 0).
  public var clipsPattern: Bool
  /// Whether the latent is proven the global optimum: the top eigenvector with no
  /// penalty and either the optimal bias (always) or no pattern clipped. Otherwise it is
  /// the best of local searches, never worse than the starting points given.
  public var isProvenOptimal: Bool
}

extension LatentCase {
  /// The MSE-optimal latent over the whole sphere.
  ///
  /// Without a penalty it starts from the top eigenvector of M = E[(x - c)(x - c)^T]
  /// (`gsl_eigen_symmv`), with c = 0 (no bias), the fixed bias, or mu (centered and
  /// optimal: the covariance). With no pattern clipped, MSE(l) = E|x - c|^2 - l^T M l, so
  /// the eigenvector is the optimum; with the optimal bias nothing is ever clipped and it
  /// always is (the SAE is PCA). Otherwise (a penalty, or the relu clips) the MSE is
  /// minimised locally on the sphere from the eigenvector, its opposite and every latent
  /// in `starts` (GSL's simplex over the k - 1 angles of hyperspherical coordinates), and
  /// the best point found is reported: never worse than any start.
  /// - Parameter starts: further unit latents to start from (e.g. the on-path minima).
  /// - Returns: nil when GSL cannot decompose the matrix.
  public func sphereOptimum(startingFrom starts: [[Double]] = []) -> SphereOptimum? {
    let k = features.count
    let events = self.events
    let centre: [Double]
    switch bias {
    case .none: centre = [Double](repeating: 0, count: k)
    case .fixed(let b): centre = b
    case .centered, .optimal: centre = meanActivation
    }
    var m = [Double](repeating: 0, count: k * k)
    for event in events {
      let x = event.activation
      for i in 0..<k {
        for j in 0..<k { m[i * k + j] += event.probability * (x[i] - centre[i]) * (x[j] - centre[j]) }
      }
    }
    guard let top = GSL.topEigenvector(of: m, n: k) else { return nil }
    var v = top.vector
    if let first = v.first(where: { abs($0) > Tolerance.negligibleComponent }), first < 0 {
      v = v.map { -$0 }
    }
    func mse(_ l: [Double]) -> Double {
      bias == .optimal
        ? OptimalBias.solve(.mse, latent: l, events: events, penalty: penalty).loss
        : loss(.mse, latent: l, bias: decoderBias(atLatent: l), events: events)
    }
    let flipped = v.map { -$0 }
    let a = mse(v)
    let b = mse(flipped)
    var best =
      b < a - Tolerance.lowerLoss * abs(a) ? (latent: flipped, loss: b) : (latent: v, loss: a)
    let clipsAtEigenvector = clips(at: best.latent)
    let proven = penalty.coefficient == 0 && (bias == .optimal || !clipsAtEigenvector)
    if !proven {
      for start in [v, flipped] + starts {
        let found = Self.sphereSearch(from: start, mse)
        if found.loss < best.loss { best = found }
      }
    }
    return SphereOptimum(
      latent: best.latent, loss: best.loss, bias: decoderBias(atLatent: best.latent),
      clipsPattern: clips(at: best.latent), isProvenOptimal: proven)
  }

  /// Whether the relu clips a firing pattern at the latent with the case's (MSE) bias.
  func clips(at latent: [Double]) -> Bool {
    let b = decoderBias(atLatent: latent)
    return patterns.contains { p in
      guard p.probability > 0 else { return false }
      let centred = zip(p.magnitudes, b).map { $0 - $1 }
      return dot(latent, centred) < -Tolerance.clips * max(1, dot(centred, centred).squareRoot())
    }
  }

  /// A local minimum of f on the unit sphere from `start`, by the simplex over the
  /// angles phi_1..phi_{k-1} of l = (cos phi_1, sin phi_1 cos phi_2, ...,
  /// sin phi_1 ... sin phi_{k-1}); the start itself when nothing lower is found.
  static func sphereSearch(from start: [Double], _ f: ([Double]) -> Double) -> (
    latent: [Double], loss: Double
  ) {
    let k = start.count
    func point(_ angles: [Double]) -> [Double] {
      var l = [Double](repeating: 0, count: k)
      var sine = 1.0
      for i in 0..<(k - 1) {
        l[i] = sine * cos(angles[i])
        sine *= sin(angles[i])
      }
      l[k - 1] = sine
      return l
    }
    var angles = [Double](repeating: 0, count: k - 1)
    for i in 0..<(k - 1) {
      var tail = 0.0
      for j in (i + 1)..<k { tail += start[j] * start[j] }
      angles[i] = i == k - 2 ? atan2(start[k - 1], start[k - 2]) : atan2(tail.squareRoot(), start[i])
    }
    var best = (latent: start, loss: f(start))
    for step in [0.1, 1e-3, 1e-6] {
      guard
        let found = GSL.simplexMinimum(
          from: angles, step: step, tolerance: Tolerance.sphereSimplex, { f(point($0)) })
      else { break }
      angles = found.x
      let l = point(angles)
      let v = f(l)
      if v < best.loss { best = (l, v) }
    }
    return best
  }
}
