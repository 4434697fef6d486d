import ToyModels

/// An orthonormal basis of the span of some vectors in R^d, and projections onto it.
///
///     P x = sum_b (q_b . x) q_b
///
/// The basis is built by Gram-Schmidt with each vector projected out twice (full precision); a
/// vector whose remainder is below `rankTolerance` times its norm adds nothing (the span's rank
/// is then below the number of vectors, as the authors' QR-with-rank code allows).
public struct Subspace: Sendable, Hashable {
  /// The orthonormal basis q_b, each of d components.
  public let basis: [[Double]]
  /// The ambient dimension d.
  public let dimension: Int

  /// A remainder this small relative to its vector counts as inside the span so far.
  public static let rankTolerance = 1e-10

  /// - Parameters: vectors: rows of d >= 1 components each (none: the zero subspace).
  public init(spanning vectors: [[Double]], dimension d: Int) {
    var q: [[Double]] = []
    for v0 in vectors {
      precondition(v0.count == d, "vectors of \(d) components")
      let n0 = dot(v0, v0).squareRoot()
      guard n0 > 0 else { continue }
      var v = v0
      for _ in 0..<2 {
        for e in q {
          let c = dot(v, e)
          for i in 0..<d { v[i] -= c * e[i] }
        }
      }
      let n = dot(v, v).squareRoot()
      guard n > Self.rankTolerance * n0 else { continue }
      q.append(v.map { $0 / n })
    }
    basis = q
    dimension = d
  }

  /// |P x|^2: the squared norm of x's part inside the span.
  public func projectedSquaredNorm(_ x: [Double]) -> Double {
    basis.reduce(0) { s, e in
      let c = dot(x, e)
      return s + c * c
    }
  }
}

/// How much of the change of existing latents, when an SAE grows, lies in the span of the new
/// latents: the paper's evidence of hedging in LLM SAEs, with its random baseline.
///
/// With D the existing latents' decoder rows before growth (K rows), D' the same rows after the
/// grown SAE was trained, dW = D' - D, N the new latents' decoder rows (m rows) and P_N the
/// orthogonal projection onto span(N):
///
///     fraction = ||P_N dW||_F^2 / ||dW||_F^2
///     baseline = mean over draws of ||P_G dW||_F^2 / ||dW||_F^2,   G: m standard normal rows
///
/// and the hedging degree of the authors' public code (chanind/feature-hedging-paper,
/// `hedging_paper/evals/hedging_eval.py`, `calculate_hedging_stats`, reported there as
/// `hedging_rate`): with row norms instead of squares, relative to the existing rows' norm,
///
///     p   = mean_i |P_N dW_i| / mean_i |D_i|
///     p_b = mean over draws of mean_i |P_G dW_i| / mean_i |D_i|
///     H   = max(0, (p - p_b) / (1 - p_b))
///
/// (0 when nothing changed). The paper measures it on LLM SAEs, where the truth is unknown;
/// on a toy it can be set against the true hedging mass of the SAE before growth.
public struct GrowthChange: Sendable, Hashable, Encodable {
  /// ||P_N dW||_F^2 / ||dW||_F^2, in [0, 1]; 0 when dW = 0.
  public var fractionInNewSpan: Double
  /// The same for m random gaussian directions, averaged over the draws.
  public var randomBaseline: Double
  /// ||dW||_F / ||D||_F: how much the existing latents moved.
  public var relativeChange: Double
  /// p above: mean_i |P_N dW_i| / mean_i |D_i| (the authors' delta_proj_portion).
  public var portionInNewSpan: Double
  /// p_b above (the authors' baseline_proj_portion).
  public var baselinePortion: Double
  /// H above, >= 0 (above 1 when the existing latents moved by more than their norm).
  public var hedgingDegree: Double

  enum CodingKeys: String, CodingKey {
    case fractionInNewSpan = "fraction_in_new_span", randomBaseline = "random_baseline"
    case relativeChange = "relative_change", hedgingDegree = "hedging_degree"
    case portionInNewSpan = "portion_in_new_span", baselinePortion = "baseline_portion"
  }

  /// - Parameters:
  ///   - before: the existing latents' decoder rows before growth, K >= 1 rows of d.
  ///   - after: the same latents' rows after training the grown SAE, K rows of d.
  ///   - new: the new latents' decoder rows, m >= 1 rows of d.
  ///   - draws: random subspaces for the baseline, >= 1 (the 20; the authors' 50).
  ///   - stream: the baseline's gaussians (d m per draw, row by row).
  public init(
    before: [[Double]], after: [[Double]], new: [[Double]], draws: Int, stream: RandomStream
  ) {
    precondition(before.count == after.count && !before.isEmpty && !new.isEmpty && draws >= 1)
    let d = before[0].count
    let delta = zip(after, before).map { a, b in zip(a, b).map { $0 - $1 } }
    let total = delta.reduce(0) { $0 + dot($1, $1) }
    let scale = before.reduce(0) { $0 + dot($1, $1).squareRoot() } / Double(before.count)

    /// (||P dW||_F^2 / ||dW||_F^2, mean_i |P dW_i| / mean_i |D_i|) for one subspace.
    func measure(_ s: Subspace) -> (fraction: Double, portion: Double) {
      let parts = delta.map { s.projectedSquaredNorm($0) }
      let fraction = total > 0 ? parts.reduce(0, +) / total : 0
      let portion = parts.reduce(0) { $0 + $1.squareRoot() } / Double(delta.count) / scale
      return (fraction, portion)
    }
    let own = measure(Subspace(spanning: new, dimension: d))
    var fractions = 0.0
    var portions = 0.0
    for _ in 0..<draws {
      let g = new.indices.map { _ in (0..<d).map { _ in stream.gaussian() } }
      let r = measure(Subspace(spanning: g, dimension: d))
      fractions += r.fraction
      portions += r.portion
    }
    fractionInNewSpan = own.fraction
    randomBaseline = fractions / Double(draws)
    relativeChange =
      (total / before.reduce(0) { $0 + dot($1, $1) }).squareRoot()
    let pb = portions / Double(draws)
    portionInNewSpan = own.portion
    baselinePortion = pb
    hedgingDegree = total > 0 && pb < 1 ? max(0, (own.portion - pb) / (1 - pb)) : 0
  }
}

/// Spearman's rank correlation of paired values: Pearson's correlation of their ranks, ties
/// given their mean rank.
///
///     rho = cov(rank x, rank y) / (sd(rank x) sd(rank y))
///
/// - Parameters: x, y: the same count >= 2. Returns nil when either has every value equal.
public func rankCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
  precondition(x.count == y.count && x.count >= 2)
  func ranks(_ v: [Double]) -> [Double] {
    let order = v.indices.sorted { v[$0] < v[$1] }
    var r = [Double](repeating: 0, count: v.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
      let mean = Double(i + j) / 2 + 1
      for t in i...j { r[order[t]] = mean }
      i = j + 1
    }
    return r
  }
  let a = ranks(x)
  let b = ranks(y)
  let ma = a.reduce(0, +) / Double(a.count)
  let mb = b.reduce(0, +) / Double(b.count)
  var sab = 0.0
  var saa = 0.0
  var sbb = 0.0
  for i in a.indices {
    sab += (a[i] - ma) * (b[i] - mb)
    saa += (a[i] - ma) * (a[i] - ma)
    sbb += (b[i] - mb) * (b[i] - mb)
  }
  guard saa > 0 && sbb > 0 else { return nil }
  return sab / (saa * sbb).squareRoot()
}
