import ToyModels
import _CGSL

/// What an SAE is on the exact loss of an enumerable toy: a strict local minimum, a
/// degenerate one, a saddle, or not a stationary point; with the numbers that say so.
///
/// On the sphere-constrained parameters (each decoder row unit-norm; see
/// `SAEKernel.evaluate`):
///
///     gradient norm   |P grad L|, P onto the tangent space of the constraint
///     Hessian         P (grad^2 L) P - diag((u_i . grad_{u_i} L) I) on that tangent space
///
/// The Hessian is the central difference of the exact gradient along each tangent basis
/// vector (step `step`), so exact within the smooth piece up to O(step^2) when the piece's
/// validity radius (`margin`) exceeds the step.
///
/// On a kink (relu: some pattern j's pre-activation a_ji within `kinkRadius` of 0) the loss
/// is not differentiable and its gradient there is one piece's. The pieces meeting at the
/// point differ by turning latent i on or off for pattern j; their gradients are
///
///     g_S = g_off + sum_{(j,i) in S} v_ji,   v_ji = the on piece's gradient of w_j loss(x_j)
///                                                   less the off piece's
///
/// and the point is Clarke stationary (first order: 0 in the convex hull of the pieces'
/// gradients) when min over lambda in [0, 1]^K of |P (g_off + V lambda)| is within the
/// gradient tolerance (`subgradientNorm`; V's columns by the exact gradient of pattern j
/// alone with b_enc_i moved to a_ji = +-1e-10). No second-order test is made on a kink.
/// JSON: `loss`, `gradient_norm`, `smallest_eigenvalue`, `largest_eigenvalue`,
/// `tangent_dimension`, `flat_directions`, `margin`, `dead_latents`, `kink_pairs`,
/// `kink_radius`, `subgradient_norm`, `verdict`, `descent`.
public struct SAECertificate: Sendable, Hashable, Encodable {
  /// The verdict.
  public enum Verdict: String, Sendable, Hashable, Encodable {
    /// Stationary, every tangent eigenvalue above the tolerance.
    case strictMinimum = "strict local minimum"
    /// Stationary, none below minus the tolerance but some within it: flat directions (a
    /// symmetry, e.g. a dead latent's weights).
    case degenerate
    /// Stationary with a negative eigenvalue: `descent` lowers the loss.
    case saddle
    /// The gradient is above its tolerance, but on a kink 0 lies within it of the convex
    /// hull of the pieces' gradients: Clarke stationary (first order only).
    case kinkStationary = "stationary on a kink"
    /// The gradient is above its tolerance (and so is every subgradient on a kink).
    case notStationary = "not stationary"
  }

  /// A direction of negative curvature: the eigenvector, read on the latent it moves most.
  public struct Descent: Sendable, Hashable, Encodable {
    public var eigenvalue: Double
    public var latent: Int
    /// The latent's decoder-row part of the direction, in feature coordinates.
    public var decoder: [Double]
    /// Its encoder-row part (untied SAEs), in feature coordinates.
    public var encoder: [Double]?
  }

  public var loss: Double
  public var gradientNorm: Double
  public var gradientTolerance: Double
  public var smallestEigenvalue: Double
  public var largestEigenvalue: Double
  public var eigenvalueTolerance: Double
  /// The tangent space's dimension: the trained parameters less one per decoder row.
  public var tangentDimension: Int
  /// Eigenvalues within the tolerance of 0.
  public var flatDirections: Int
  /// The smallest |pre-activation| over the patterns of positive weight and the latents
  /// (relu; topk: the smallest gap at the k-th largest): how far the smooth piece reaches.
  public var margin: Double
  /// Latents that fire on no pattern of positive weight.
  public var deadLatents: [Int]
  /// Pattern-latent pairs (relu) whose pre-activation is within `kinkRadius` of 0.
  public var kinkPairs: Int
  public var kinkRadius: Double
  /// The smallest tangent norm of a Clarke subgradient over those kinks; nil when not
  /// computed (stationary already, no kink, not relu, the encoder bias frozen, or more than
  /// `kinkLimit` pairs).
  public var subgradientNorm: Double?
  public var verdict: Verdict
  public var descent: Descent?

  enum CodingKeys: String, CodingKey {
    case loss, gradientNorm = "gradient_norm", gradientTolerance = "gradient_tolerance"
    case smallestEigenvalue = "smallest_eigenvalue", largestEigenvalue = "largest_eigenvalue"
    case eigenvalueTolerance = "eigenvalue_tolerance", tangentDimension = "tangent_dimension"
    case flatDirections = "flat_directions", margin, deadLatents = "dead_latents", verdict
    case descent, kinkPairs = "kink_pairs", kinkRadius = "kink_radius"
    case subgradientNorm = "subgradient_norm"
  }

  /// The most tangent dimensions certified (an m x m eigenproblem and 2m gradients).
  public static let dimensionLimit = 3000
  /// The most kink pairs whose subgradients are searched (a K x K box-constrained problem).
  public static let kinkLimit = 2000

  /// min over lambda in [0, 1]^K of |b + V lambda| (V's K columns of b's length), by projected
  /// Gauss-Seidel on the normal equations (G = V^T V; at most 20,000 sweeps and 2e9
  /// multiply-adds in all, stopping when no lambda moves by more than 1e-15); the norm
  /// computed from b + V lambda itself.
  static func boxLeastSquares(_ b: [Double], _ v: [[Double]]) -> Double {
    let k = v.count
    let sweeps = min(20_000, max(100, 2_000_000_000 / max(1, k * k)))
    var gram = [Double](repeating: 0, count: k * k)
    for a in 0..<k { for c in a..<k { let s = dot(v[a], v[c]); gram[a * k + c] = s; gram[c * k + a] = s } }
    let linear = v.map { dot($0, b) }
    var lambda = [Double](repeating: 0, count: k)
    for _ in 0..<sweeps {
      var moved = 0.0
      for a in 0..<k where gram[a * k + a] > 0 {
        var s = linear[a]
        for c in 0..<k { s += gram[a * k + c] * lambda[c] }
        let next = min(1, max(0, lambda[a] - s / gram[a * k + a]))
        moved = max(moved, abs(next - lambda[a]))
        lambda[a] = next
      }
      if moved <= 1e-15 { break }
    }
    var r = b
    for (a, column) in v.enumerated() where lambda[a] != 0 {
      for t in r.indices { r[t] += lambda[a] * column[t] }
    }
    return dot(r, r).squareRoot()
  }
}

extension SAE {
  /// The certificate of this SAE on the exact loss over `patterns` (see `SAECertificate`).
  ///
  /// - Parameters:
  ///   - patterns: the toy's patterns (weights = probabilities), features as rows of `basis`.
  ///   - basis: the features' directions (n rows of d) when the SAE has d > n dimensions.
  ///   - reconstruction, l1: the loss (L1 for relu only), as trained.
  ///   - trainsEncoderBias, trainsDecoderBias: which biases are parameters (frozen ones stay).
  ///   - gradientTolerance: stationary when the gradient norm is at most this times
  ///     max(1, |loss|), in (0, 1).
  ///   - step: the Hessian's difference step, in (0, 0.01].
  ///   - kinkRadius: a relu pre-activation within this of 0 is a kink (`SAECertificate`), in
  ///     [0, 0.01].
  /// - Throws: `FieldError` for a batchtopk SAE, decoder rows not unit-norm (within 1e-6), no
  ///   pattern of positive weight, or more than `SAECertificate.dimensionLimit` tangent
  ///   dimensions.
  public func certificate(
    on patterns: [WeightedPattern], basis: [[Double]]? = nil,
    reconstruction: ReconstructionLoss = .mse, l1: Double = 0, trainsEncoderBias: Bool = true,
    trainsDecoderBias: Bool = true, gradientTolerance: Double = 1e-7, step: Double = 1e-5,
    kinkRadius: Double = 1e-6
  ) throws -> SAECertificate {
    if case .batchTopK = activation {
      throw FieldError(
        field: "sae.activation", value: "batchtopk",
        reason: "is not certified: its threshold is fitted by training, not part of the loss")
    }
    for i in 0..<latents where abs(decoderNorm(i) - 1) > 1e-6 {
      throw FieldError(
        field: "decoder[\(i)]", value: "norm \(decoderNorm(i))",
        reason: "is not unit-norm: the certificate is of the trainer's SAEs (unit decoder rows)")
    }
    let batch = PatternBatch()
    for p in patterns where p.weight > 0 { batch.append(weight: p.weight, active: p.active) }
    guard batch.count > 0 else {
      throw FieldError(field: "patterns", value: "", reason: "none has a positive weight")
    }
    let kernel = SAEKernel(self, basis: basis)
    kernel.l1 = l1
    kernel.reconstruction = reconstruction
    kernel.trainsEncoderBias = trainsEncoderBias
    kernel.trainsDecoderBias = trainsDecoderBias
    let n = kernel.trainedCount
    let k = latents
    let d = dimensions
    let m = n - k
    guard m <= SAECertificate.dimensionLimit else {
      throw FieldError(
        field: "sae", value: "\(m) tangent dimensions",
        reason: "is above \(SAECertificate.dimensionLimit) (a dense eigenproblem)")
    }
    var x = [Double](repeating: 0, count: n)
    var g = [Double](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer { kernel.readTrained(into: $0.baseAddress!) }
    let loss = kernel.evaluate(x, gradient: &g, batch)
    let gradientNorm = kernel.tangentNorm(x, g)

    // The tangent basis: identity on every coordinate but the decoder rows'; for row i, an
    // orthonormal basis of u_i's complement (Gram-Schmidt on the unit vectors, the one most
    // along u_i left out).
    let decoderStart = kernel.trainedDecoderStart
    var basisVectors: [(index: Int, values: [Double])] = []  // sparse: start index, values
    for j in 0..<decoderStart { basisVectors.append((j, [1])) }
    for i in 0..<k {
      let u = Array(x[(decoderStart + i * d)..<(decoderStart + (i + 1) * d)])
      let skip = u.indices.max { abs(u[$0]) < abs(u[$1]) }!
      var q: [[Double]] = []
      for c in 0..<d where c != skip {
        var v = (0..<d).map { $0 == c ? 1.0 : 0.0 }
        for _ in 0..<2 {
          for w in [u] + q {
            let a = dot(v, w)
            for t in 0..<d { v[t] -= a * w[t] }
          }
        }
        let norm = dot(v, v).squareRoot()
        q.append(v.map { $0 / norm })
      }
      for v in q { basisVectors.append((decoderStart + i * d, v)) }
    }
    for j in (decoderStart + k * d)..<n { basisVectors.append((j, [1])) }
    precondition(basisVectors.count == m)

    // Columns of the tangent Hessian by central differences of the exact gradient.
    var hessian = [Double](repeating: 0, count: m * m)
    var plus = [Double](repeating: 0, count: n)
    var minus = [Double](repeating: 0, count: n)
    func project(_ v: [Double], _ b: (index: Int, values: [Double])) -> Double {
      var s = 0.0
      for (t, value) in b.values.enumerated() { s += v[b.index + t] * value }
      return s
    }
    for (column, b) in basisVectors.enumerated() {
      var xp = x
      var xm = x
      for (t, value) in b.values.enumerated() {
        xp[b.index + t] += step * value
        xm[b.index + t] -= step * value
      }
      _ = kernel.evaluate(xp, gradient: &plus, batch)
      _ = kernel.evaluate(xm, gradient: &minus, batch)
      let difference = zip(plus, minus).map { ($0 - $1) / (2 * step) }
      for (row, r) in basisVectors.enumerated() {
        hessian[row * m + column] = project(difference, r)
      }
    }
    // Leave the kernel at the SAE itself.
    _ = kernel.evaluate(x, gradient: &g, batch)
    for a in 0..<m {
      for b in (a + 1)..<max(a + 1, m) {
        let mean = (hessian[a * m + b] + hessian[b * m + a]) / 2
        hessian[a * m + b] = mean
        hessian[b * m + a] = mean
      }
    }
    let (values, vectors) = try Self.eigen(hessian, m)
    let largest = values.map(abs).max() ?? 0
    let eigenvalueTolerance = 1e-6 * max(1, largest)
    let smallest = values.min() ?? 0

    // The piece's reach and the dead latents, from every pattern's pre-activations.
    var margin = Double.infinity
    var fires = [Bool](repeating: false, count: k)
    var kinks: [(pattern: WeightedPattern, latent: Int, a: Double)] = []
    for p in patterns where p.weight > 0 {
      var input = [Double](repeating: 0, count: d)
      for a in p.active {
        if let basis {
          for c in 0..<d { input[c] += a.magnitude * basis[a.feature][c] }
        } else {
          input[a.feature] += a.magnitude
        }
      }
      let pre = preactivations(input)
      let mask = activeMask(pre)
      for i in 0..<k where mask[i] { fires[i] = true }
      switch activation {
      case .topK(let top):
        let sorted = pre.sorted(by: >)
        if top < sorted.count { margin = min(margin, sorted[top - 1] - sorted[top]) }
        margin = min(margin, abs(sorted[top - 1]))
      default:
        for a in pre { margin = min(margin, abs(a)) }
        if case .relu = activation {
          for (i, a) in pre.enumerated() where abs(a) <= kinkRadius { kinks.append((p, i, a)) }
        }
      }
    }
    let dead = (0..<k).filter { !fires[$0] }
    let tolerance = gradientTolerance * max(1, abs(loss))
    let stationary = gradientNorm <= tolerance
    var subgradientNorm: Double?
    if !stationary, !kinks.isEmpty, kinks.count <= SAECertificate.kinkLimit,
      let biasStart = kernel.trainedEncoderBiasStart
    {
      // Each kink's v_ji: pattern j alone, b_enc_i moved so that a_ji = +1e-10 (on) and
      // -1e-10 (off). g_off is g less the v of the kinks the kernel has on at the point (the
      // piece its own gradient of pattern j alone is nearer to: its rounding decides, not
      // ours).
      var off = g
      var columns: [[Double]] = []
      let single = PatternBatch()
      var on = [Double](repeating: 0, count: n)
      var offPiece = [Double](repeating: 0, count: n)
      var here = [Double](repeating: 0, count: n)
      for kink in kinks {
        single.removeAll()
        single.append(weight: kink.pattern.weight, active: kink.pattern.active)
        _ = kernel.evaluate(x, gradient: &here, single)
        var moved = x
        moved[biasStart + kink.latent] += 1e-10 - kink.a
        _ = kernel.evaluate(moved, gradient: &on, single)
        moved[biasStart + kink.latent] -= 2e-10
        _ = kernel.evaluate(moved, gradient: &offPiece, single)
        let v = zip(on, offPiece).map { $0 - $1 }
        func distance(_ y: [Double]) -> Double { zip(here, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        if distance(on) < distance(offPiece) { for t in 0..<n { off[t] -= v[t] } }
        columns.append(v)
      }
      _ = kernel.evaluate(x, gradient: &g, batch)
      // In the tangent norm's coordinates: each decoder row's part times its norm (1 here).
      subgradientNorm = SAECertificate.boxLeastSquares(off, columns)
    }
    let verdict: SAECertificate.Verdict =
      !stationary
      ? (subgradientNorm.map { $0 <= tolerance } == true ? .kinkStationary : .notStationary)
      : smallest > eigenvalueTolerance
        ? .strictMinimum : smallest < -eigenvalueTolerance ? .saddle : .degenerate
    var descent: SAECertificate.Descent?
    if smallest < -eigenvalueTolerance {
      var w = [Double](repeating: 0, count: n)
      for (j, b) in basisVectors.enumerated() {
        for (t, value) in b.values.enumerated() { w[b.index + t] += vectors[j] * value }
      }
      descent = descentOnLatent(w, eigenvalue: smallest, decoderStart: decoderStart, basis: basis)
    }
    return SAECertificate(
      loss: loss, gradientNorm: gradientNorm, gradientTolerance: gradientTolerance * max(1, abs(loss)),
      smallestEigenvalue: smallest, largestEigenvalue: values.max() ?? 0,
      eigenvalueTolerance: eigenvalueTolerance, tangentDimension: m,
      flatDirections: values.filter { abs($0) <= eigenvalueTolerance }.count, margin: margin,
      deadLatents: dead, kinkPairs: kinks.count, kinkRadius: kinkRadius,
      subgradientNorm: subgradientNorm, verdict: verdict, descent: descent)
  }

  /// The direction w (flat, as `SAEKernel.readTrained`) read on the latent whose encoder and
  /// decoder rows it moves most, in feature coordinates.
  private func descentOnLatent(
    _ w: [Double], eigenvalue: Double, decoderStart: Int, basis: [[Double]]?
  ) -> SAECertificate.Descent {
    let d = dimensions
    func rows(_ i: Int) -> (decoder: [Double], encoder: [Double]?) {
      let dec = Array(w[(decoderStart + i * d)..<(decoderStart + (i + 1) * d)])
      let enc = tied ? nil : Array(w[(i * d)..<((i + 1) * d)])
      return (dec, enc)
    }
    let latent = (0..<latents).max { a, b in
      let ra = rows(a)
      let rb = rows(b)
      return dot(ra.decoder, ra.decoder) + (ra.encoder.map { dot($0, $0) } ?? 0)
        < dot(rb.decoder, rb.decoder) + (rb.encoder.map { dot($0, $0) } ?? 0)
    }!
    func features(_ v: [Double]) -> [Double] { basis.map { $0.map { dot($0, v) } } ?? v }
    let r = rows(latent)
    return SAECertificate.Descent(
      eigenvalue: eigenvalue, latent: latent, decoder: features(r.decoder),
      encoder: r.encoder.map(features))
  }

  /// The eigenvalues of the symmetric m x m matrix `a` (row-major), ascending, and the
  /// eigenvector of the smallest, by GSL's `gsl_eigen_symmv`.
  private static func eigen(_ a: [Double], _ m: Int) throws -> ([Double], [Double]) {
    guard a.allSatisfy(\.isFinite) else {
      throw FieldError(field: "hessian", value: "", reason: "is not finite")
    }
    _ = gsl_set_error_handler_off()
    let matrix = gsl_matrix_alloc(m, m)!
    let vectors = gsl_matrix_alloc(m, m)!
    let values = gsl_vector_alloc(m)!
    let work = gsl_eigen_symmv_alloc(m)!
    defer {
      gsl_matrix_free(matrix)
      gsl_matrix_free(vectors)
      gsl_vector_free(values)
      gsl_eigen_symmv_free(work)
    }
    for i in 0..<m { for j in 0..<m { gsl_matrix_set(matrix, i, j, a[i * m + j]) } }
    guard gsl_eigen_symmv(matrix, values, vectors, work) == GSL_SUCCESS,
      gsl_eigen_symmv_sort(values, vectors, GSL_EIGEN_SORT_VAL_ASC) == GSL_SUCCESS
    else { throw FieldError(field: "hessian", value: "", reason: "has no eigendecomposition") }
    return (
      (0..<m).map { gsl_vector_get(values, $0) }, (0..<m).map { gsl_matrix_get(vectors, $0, 0) }
    )
  }
}
