import Foundation

extension Case {
  /// The exact expected losses of the tied SAE whose latent is the unit vector `latent`
  /// (feature coordinates), computed pattern by pattern from the model's definition.
  ///
  ///     h = relu(l . (x - b)),  xhat = h l + b,  e = |x - xhat|
  ///     MSE = E[e^2] + lambda E[h^p],  L2 = E[e] + lambda E[h^p]
  ///
  /// with b = 0 or b = mu - (l . mu) l. This is the definition, independent of the
  /// piecewise forms of `LossLandscape`; both must agree.
  /// - Parameter latent: a unit vector with one component per feature.
  /// - Returns: (mse, l2).
  public func losses(atLatent latent: [Double]) -> (mse: Double, l2: Double) {
    let k = features.count
    var b = [Double](repeating: 0, count: k)
    if bias == .optimal {
      let mu = meanActivation
      let lm = dot(latent, mu)
      for i in 0..<k { b[i] = mu[i] - lm * latent[i] }
    }
    var mse = 0.0
    var l2 = 0.0
    var penaltySum = 0.0
    var events = patterns.map { ($0.probability, $0.magnitudes) }
    events.append((nothingProbability, [Double](repeating: 0, count: k)))
    for (probability, x) in events where probability > 0 {
      var centred = x
      for i in 0..<k { centred[i] -= b[i] }
      let h = max(dot(latent, centred), 0)
      var e2 = 0.0
      for i in 0..<k {
        let r = x[i] - (h * latent[i] + b[i])
        e2 += r * r
      }
      mse += probability * e2
      l2 += probability * e2.squareRoot()
      penaltySum += probability * pow(h, penalty.exponent)
    }
    let extra = penalty.coefficient > 0 ? penalty.coefficient * penaltySum : 0
    return (mse + extra, l2 + extra)
  }

  /// The losses at t on the path, from the definition (see `losses(atLatent:)`).
  public func losses(at t: Double) -> (mse: Double, l2: Double) {
    losses(atLatent: path.latent(at: t))
  }
}

/// The MSE-optimal unit latent over the whole sphere, when the relu clips nothing.
public struct SphereOptimum: Sendable, Hashable {
  /// The latent, a unit vector in feature coordinates.
  public var latent: [Double]
  /// The exact expected MSE (with the case's bias and penalty) at `latent`.
  public var loss: Double
  /// Whether the relu clips some firing pattern at `latent` (l . (x_j - b) < 0): then the
  /// eigenvector is not guaranteed optimal.
  public var clipsPattern: Bool
}

extension Case {
  /// The top eigenvector of M = E[x x^T] (no bias) or of the covariance
  /// E[(x - mu)(x - mu)^T] (optimal bias), by `gsl_eigen_symmv`.
  ///
  /// With no pattern clipped, MSE(l) = E|x|^2 - l^T M l (or the centred analogue), so the
  /// top eigenvector minimises it over the sphere. The sign is the one with the lower
  /// exact loss (the relu makes the two differ); ties take a positive first nonzero
  /// component.
  /// - Returns: nil when GSL cannot decompose the matrix.
  public func sphereOptimum() -> SphereOptimum? {
    let k = features.count
    let mu = bias == .optimal ? meanActivation : [Double](repeating: 0, count: k)
    var m = [Double](repeating: 0, count: k * k)
    var events = patterns.map { ($0.probability, $0.magnitudes) }
    events.append((nothingProbability, [Double](repeating: 0, count: k)))
    for (probability, x) in events where probability > 0 {
      for i in 0..<k {
        for j in 0..<k { m[i * k + j] += probability * (x[i] - mu[i]) * (x[j] - mu[j]) }
      }
    }
    guard let top = GSL.topEigenvector(of: m, n: k) else { return nil }
    var v = top.vector
    if let first = v.first(where: { abs($0) > 1e-15 }), first < 0 { v = v.map { -$0 } }
    let flipped = v.map { -$0 }
    let a = losses(atLatent: v).mse
    let b = losses(atLatent: flipped).mse
    let latent = b < a - 1e-15 * abs(a) ? flipped : v
    let bias = self.bias == .optimal ? zip(mu, latent).map { $0 - dot(latent, mu) * $1 } : mu
    let clips = patterns.contains { p in
      guard p.probability > 0 else { return false }
      let centred = zip(p.magnitudes, bias).map { $0 - $1 }
      return dot(latent, centred) < -1e-12 * max(1, dot(centred, centred).squareRoot())
    }
    return SphereOptimum(latent: latent, loss: min(a, b), clipsPattern: clips)
  }
}
