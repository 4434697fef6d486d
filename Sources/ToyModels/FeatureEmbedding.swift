/// A random orthonormal embedding of n features in d >= n dimensions.
///
///     x = sum_f v_f e_f,   e_f . e_g = [f == g]
///
/// The basis vectors are n columns of standard normal deviates in R^d orthonormalised by
/// Gram-Schmidt (each column projected out twice, for full precision): the distribution is
/// uniform over orthonormal n-frames.
public struct FeatureEmbedding: Sendable, Hashable {
  /// d.
  public let dimension: Int
  /// e_0 ... e_{n-1}: n orthonormal vectors of d components.
  public let basis: [[Double]]

  /// The basis drawn from `stream` (d * n gaussians and more only if a draw falls, numerically,
  /// inside the span so far).
  /// - Parameters: features n >= 1; dimension d in n...100_000.
  public init(features n: Int, dimension d: Int, stream: RandomStream) {
    precondition(n >= 1 && d >= n, "need d >= n >= 1")
    var basis: [[Double]] = []
    while basis.count < n {
      var v = (0..<d).map { _ in stream.gaussian() }
      for _ in 0..<2 {
        for e in basis {
          let c = dot(v, e)
          for i in 0..<d { v[i] -= c * e[i] }
        }
      }
      let norm = dot(v, v).squareRoot()
      guard norm > 1e-8 else { continue }
      basis.append(v.map { $0 / norm })
    }
    dimension = d
    self.basis = basis
  }

  /// The basis drawn from a stream of its own, seeded.
  public init(features n: Int, dimension d: Int, seed: UInt64) {
    self.init(features: n, dimension: d, stream: RandomStream(seed: seed))
  }

  /// The vector sum_f v_f e_f in R^d of feature coordinates v (n values).
  public func embed(_ v: [Double]) -> [Double] {
    var x = [Double](repeating: 0, count: dimension)
    for (f, e) in basis.enumerated() where v[f] != 0 {
      for i in 0..<dimension { x[i] += v[f] * e[i] }
    }
    return x
  }

  /// The feature coordinates e_f . x of x in R^d (the part outside the features' span dropped).
  public func project(_ x: [Double]) -> [Double] {
    basis.map { dot($0, x) }
  }
}
