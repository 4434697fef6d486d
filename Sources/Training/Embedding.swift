import Landscape
import _CGSL

/// GSL's MT19937 generator, owned: allocated on creation, freed with the last reference.
///
/// Not thread-safe; one per run. GSL's aborting error handler is switched off first
/// (`GSL.prepare()`).
final class RandomSource {
  let rng: UnsafeMutablePointer<gsl_rng>

  /// - Parameter seed: in 0...UInt32.max (GSL maps 0 to 4357).
  init(seed: UInt64) {
    GSL.prepare()
    guard let r = gsl_rng_alloc(hl_rng_mt19937()) else {
      fatalError("gsl_rng_alloc failed: out of memory")
    }
    gsl_rng_set(r, UInt(seed))
    rng = r
  }

  deinit { gsl_rng_free(rng) }

  /// Counts of N draws over K categories with the given (unnormalised, non-negative,
  /// not all zero) probabilities: `gsl_ran_multinomial`.
  @inline(__always) func multinomial(
    _ n: UInt32, probabilities: UnsafePointer<Double>, counts: UnsafeMutablePointer<UInt32>,
    categories: Int
  ) {
    gsl_ran_multinomial(rng, categories, n, probabilities, counts)
  }

  /// A pattern index drawn from a table made by `gsl_ran_discrete_preproc`.
  @inline(__always) func discrete(_ table: UnsafePointer<gsl_ran_discrete_t>) -> Int {
    gsl_ran_discrete(rng, table)
  }

  /// A standard normal deviate (`gsl_ran_gaussian`, sigma = 1).
  func gaussian() -> Double { gsl_ran_gaussian(rng, 1) }
}

/// A random orthonormal embedding of k features in d >= k dimensions.
///
/// The basis vectors are the columns of a d x k matrix of standard normal deviates,
/// orthonormalised by Gram-Schmidt (each column projected out twice, for full
/// precision): the distribution is uniform over orthonormal k-frames.
public struct FeatureEmbedding: Sendable, Hashable {
  /// d.
  public let dimension: Int
  /// e_1..e_k: k orthonormal vectors of d components.
  public let basis: [[Double]]

  /// A seeded embedding, drawn from its own MT19937 stream.
  ///
  /// - Parameters:
  ///   - featureCount: k >= 1.
  ///   - dimension: d in k...100_000.
  ///   - seed: in 0...UInt32.max.
  public init(featureCount: Int, dimension: Int, seed: UInt64) {
    self.init(featureCount: featureCount, dimension: dimension, random: RandomSource(seed: seed))
  }

  init(featureCount k: Int, dimension d: Int, random: RandomSource) {
    precondition(k >= 1 && d >= k, "need d >= k >= 1")
    var basis: [[Double]] = []
    while basis.count < k {
      var v = (0..<d).map { _ in random.gaussian() }
      for _ in 0..<2 {
        for e in basis {
          let c = dot(v, e)
          for i in 0..<d { v[i] -= c * e[i] }
        }
      }
      let norm = dot(v, v).squareRoot()
      // A draw (numerically) inside the span so far has probability zero; redraw.
      guard norm > Tolerance.independentDraw else { continue }
      basis.append(v.map { $0 / norm })
    }
    self.dimension = d
    self.basis = basis
  }

  /// The vector sum_f v_f e_f in R^d of feature coordinates v (k components).
  public func embed(_ v: [Double]) -> [Double] {
    var x = [Double](repeating: 0, count: dimension)
    for (f, e) in basis.enumerated() where v[f] != 0 {
      for i in 0..<dimension { x[i] += v[f] * e[i] }
    }
    return x
  }

  /// The feature coordinates (e_f . x) of a vector x in R^d; the part of x outside the
  /// features' span is dropped.
  public func project(_ x: [Double]) -> [Double] {
    basis.map { e in dot(e, x) }
  }
}

extension LatentPath {
  /// The t in [tMin, tMax] whose latent l(t) is closest in angle to `latent`, and the
  /// cosine l(t) . latent.
  ///
  /// The path is an arc of the great circle through u and v. With p the projection of
  /// `latent` onto that plane, the closest point of the whole circle is p / |p|, reached
  /// where w(t) = u + t (v - u) is parallel to p: in plane coordinates,
  ///
  ///     t = (u_2 p_1 - u_1 p_2) / ((v - u)_1 p_2 - (v - u)_2 p_1).
  ///
  /// The angle of w(t) is monotone in t, so the cosine is unimodal on the range: the
  /// answer is that t when it lies in the range and faces p, else the better end.
  /// - Parameter latent: feature coordinates, one per feature (any norm; a unit vector
  ///   makes the cosine a true cosine).
  public func nearestT(to latent: [Double]) -> (t: Double, cosine: Double) {
    func cosine(_ t: Double) -> Double { dot(self.latent(at: t), latent) }
    let du = dot(from, from).squareRoot()
    let e1 = from.map { $0 / du }
    var e2 = to
    let c = dot(to, e1)
    for i in e2.indices { e2[i] -= c * e1[i] }
    let n2 = dot(e2, e2).squareRoot()
    e2 = e2.map { $0 / n2 }
    let direction = zip(from, to).map { $1 - $0 }
    let (a1, a2) = (dot(from, e1), dot(from, e2))
    let (b1, b2) = (dot(direction, e1), dot(direction, e2))
    let (p1, p2) = (dot(latent, e1), dot(latent, e2))
    var best = (t: tMin, cosine: cosine(tMin))
    let hi = cosine(tMax)
    if hi > best.cosine { best = (tMax, hi) }
    let denominator = b1 * p2 - b2 * p1
    if denominator != 0 {
      let t = (a2 * p1 - a1 * p2) / denominator
      if t.isFinite, t > tMin, t < tMax {
        let c = cosine(t)
        if c > best.cosine { best = (t, c) }
      }
    }
    return best
  }
}
