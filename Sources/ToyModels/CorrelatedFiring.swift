import _CGSL

/// Correlated gaussian thresholds: feature i fires when z_i > Phi^-1(1 - p_i), z ~ N(0, C).
///
/// z = L g with L the Cholesky factor of the correlation matrix C (GSL) and g standard normal.
/// The orthant probabilities have no closed form, so this toy is sampled, never enumerated.
public struct CorrelatedFiring: Sendable, Hashable {
  /// P(feature i fires), each in (0, 1).
  public let probabilities: [Double]
  /// Magnitude of each feature when it fires.
  public let magnitudes: [Double]
  /// The correlation matrix C (n x n, symmetric, unit diagonal, positive definite).
  public let correlation: [[Double]]
  /// Phi^-1(1 - p_i): feature i fires where z_i exceeds it.
  public let thresholds: [Double]
  /// The lower Cholesky factor of C, row-major n x n.
  public let cholesky: [Double]

  /// - Throws: `ToyModelError` if the sizes differ, a probability is not in (0, 1), or C is not
  ///   a symmetric positive definite matrix with unit diagonal.
  public init(probabilities: [Double], magnitudes: [Double]? = nil, correlation: [[Double]]) throws
  {
    let n = probabilities.count
    let mags = magnitudes ?? [Double](repeating: 1, count: n)
    guard mags.count == n else {
      throw ToyModelError("magnitudes: \(mags.count) values for \(n) features")
    }
    guard correlation.count == n, correlation.allSatisfy({ $0.count == n }) else {
      throw ToyModelError("correlation: not an \(n) x \(n) matrix")
    }
    for (i, p) in probabilities.enumerated() where !(p > 0 && p < 1) {
      throw ToyModelError("probabilities[\(i)]: \(p) is not in (0, 1)")
    }
    for i in 0..<n {
      guard abs(correlation[i][i] - 1) <= 1e-12 else {
        throw ToyModelError("correlation[\(i)][\(i)]: \(correlation[i][i]) is not 1")
      }
      for j in 0..<i where abs(correlation[i][j] - correlation[j][i]) > 1e-12 {
        throw ToyModelError("correlation[\(i)][\(j)]: \(correlation[i][j]) is not symmetric")
      }
    }
    guard let l = Self.choleskyFactor(correlation) else {
      throw ToyModelError("correlation: the matrix is not positive definite")
    }
    self.probabilities = probabilities
    self.magnitudes = mags
    self.correlation = correlation
    self.cholesky = l
    self.thresholds = probabilities.map { gsl_cdf_ugaussian_Pinv(1 - $0) }
  }

  /// The lower Cholesky factor (row-major), or nil if C is not positive definite.
  static func choleskyFactor(_ c: [[Double]]) -> [Double]? {
    _ = gsl_set_error_handler_off()
    let n = c.count
    guard n > 0, let m = gsl_matrix_alloc(n, n) else { return n == 0 ? [] : nil }
    defer { gsl_matrix_free(m) }
    for i in 0..<n { for j in 0..<n { gsl_matrix_set(m, i, j, c[i][j]) } }
    guard gsl_linalg_cholesky_decomp1(m) == GSL_SUCCESS else { return nil }
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0...i { l[i * n + j] = gsl_matrix_get(m, i, j) } }
    return l
  }

  /// A random correlation matrix with the paper's structure, from a seed.
  ///
  /// The first `main` features are uncorrelated with each other; every other pair is correlated:
  /// C_ij = strength * (a_i . a_j) / (|a_i| |a_j|) with rows a_i of a standard-normal n x n
  /// matrix (GSL MT19937 seeded with `seed`). If C is not positive definite the off-diagonal
  /// entries are halved until it is.
  /// - Parameters: n >= 1; main in 0...n; strength in [0, 1].
  public static func randomCorrelation(features n: Int, main: Int, strength: Double, seed: UInt64)
    -> [[Double]]
  {
    _ = gsl_set_error_handler_off()
    guard let rng = gsl_rng_alloc(hl_rng_mt19937()) else { fatalError("gsl_rng_alloc failed") }
    defer { gsl_rng_free(rng) }
    gsl_rng_set(rng, UInt(seed))
    var a = [[Double]](repeating: [], count: n)
    for i in 0..<n {
      a[i] = (0..<n).map { _ in gsl_ran_gaussian_ziggurat(rng, 1) }
      let norm = a[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
      a[i] = a[i].map { $0 / norm }
    }
    var scale = strength
    while true {
      var c = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
      for i in 0..<n {
        c[i][i] = 1
        for j in 0..<i where !(i < main && j < main) {
          let v = scale * zip(a[i], a[j]).reduce(0) { $0 + $1.0 * $1.1 }
          c[i][j] = v
          c[j][i] = v
        }
      }
      if choleskyFactor(c) != nil { return c }
      scale /= 2
    }
  }

  /// One sample: the features that fire, in increasing order, drawn with `rng`.
  ///
  /// Draws n standard normals g (`gsl_ran_gaussian_ziggurat`), z = L g, and keeps i with
  /// z_i > thresholds[i].
  public func sample(_ rng: UnsafeMutablePointer<gsl_rng>, into g: inout [Double])
    -> [ActiveFeature]
  {
    let n = probabilities.count
    if g.count != n { g = [Double](repeating: 0, count: n) }
    for i in 0..<n { g[i] = gsl_ran_gaussian_ziggurat(rng, 1) }
    var out: [ActiveFeature] = []
    cholesky.withUnsafeBufferPointer { l in
      for i in 0..<n {
        var z = 0.0
        for j in 0...i { z += l[i * n + j] * g[j] }
        if z > thresholds[i] { out.append(ActiveFeature(feature: i, magnitude: magnitudes[i])) }
      }
    }
    return out
  }
}
