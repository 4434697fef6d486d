import _CGSL

extension CorrelatedFiring {
  /// C as SAELens's low-rank correlation: C = F F^T + diag(d), F n x n, d > 0
  /// (decoderesearch/SAELens, sae_lens/synthetic/correlation.py `LowRankCorrelationMatrix`;
  /// sampled in activation_generator.py `_generate_low_rank_correlated_features` as
  /// z = eps F^T + eta sqrt(d)).
  ///
  /// d = delta for every feature and F the Cholesky factor of C - delta I, with delta the
  /// largest of 1/2, 1/4, ... for which C - delta I is positive definite: F F^T + delta I = C
  /// up to rounding, the diagonal 1.
  /// - Returns: F (n rows of n) and d (n values).
  public func lowRankFactors() -> (factor: [[Double]], diagonal: [Double]) {
    let n = probabilities.count
    var delta = 0.5
    while delta > 1e-300 {
      let shifted = correlation.indices.map { i in
        correlation[i].indices.map { j in correlation[i][j] - (i == j ? delta : 0) }
      }
      if let l = Self.choleskyFactor(shifted) {
        return ((0..<n).map { i in Array(l[(i * n)..<((i + 1) * n)]) }, [Double](repeating: delta, count: n))
      }
      delta /= 2
    }
    // C itself is positive definite, so some delta > 0 works; not reached.
    return (correlation, [Double](repeating: 0, count: n))
  }

  /// The correlated firing SAELens samples from a low-rank correlation F F^T + diag(d) and
  /// firing probabilities p: z_i = (eps F^T)_i + eta_i sqrt(d_i) fires above Phi^-1(1 - p_i),
  /// which in unit variance v_i = |F_i|^2 + d_i is the threshold Phi^-1(1 - p_i) / sqrt(v_i):
  /// firing probability 1 - Phi(Phi^-1(1 - p_i) / sqrt(v_i)), correlation C_ij / sqrt(v_i v_j).
  /// - Parameters: thresholdProbabilities: the p_i SAELens's thresholds come from.
  /// - Throws: `FieldError` for a factor or diagonal of the wrong size, a d_i <= 0, or a
  ///   matrix that is not positive definite.
  public static func lowRank(
    factor: [[Double]], diagonal: [Double], thresholdProbabilities p: [Double],
    magnitudes: MagnitudeDistribution
  ) throws -> CorrelatedFiring {
    let n = p.count
    guard factor.count == n, diagonal.count == n else {
      throw FieldError(
        field: "correlation_factor", value: "", reason: "does not have \(n) rows (num_features)")
    }
    for (i, d) in diagonal.enumerated() where !(d > 0 && d.isFinite) {
      throw FieldError(field: "correlation_diag[\(i)]", value: "\(d)", reason: "is not above 0")
    }
    let c = (0..<n).map { i in
      (0..<n).map { j in zip(factor[i], factor[j]).reduce(0) { $0 + $1.0 * $1.1 } + (i == j ? diagonal[i] : 0) }
    }
    let scale = (0..<n).map { c[$0][$0].squareRoot() }
    let unit = (0..<n).map { i in (0..<n).map { j in i == j ? 1 : c[i][j] / (scale[i] * scale[j]) } }
    let probabilities = (0..<n).map { i in
      gsl_cdf_ugaussian_Q(gsl_cdf_ugaussian_Pinv(1 - p[i]) / scale[i])
    }
    return try CorrelatedFiring(probabilities: probabilities, magnitudes: magnitudes, correlation: unit)
  }
}
