import Reports
import ToyModels

/// SAELens's synthetic-data metrics of an SAE, as expectations over a toy's patterns: exact
/// on an enumerable toy, where SAELens estimates them from samples.
///
/// The definitions are those of `eval_sae_on_synthetic_data` in SAELens's
/// `sae_lens/synthetic/evals.py` (decoderesearch/SAELens, commit ae20a2d), with every sample
/// mean replaced by the expectation over the patterns (weights w_p, inputs x_p, activations
/// h(x_p), reconstructions xhat_p; f_j the true feature directions, D_i the decoder rows):
///
///     true_l0            = E[#{j : m_j > 0}]
///     dead_latents       = #{i : h_i(x_p) <= 0 for every pattern of positive weight}
///     shrinkage          = E[|xhat| / |x|  given |x| > 1e-6]
///     explained_variance = 1 - E|x - xhat|^2 / (E|x|^2 - |E x|^2)   (1 or 0 when the
///                          variance is below 1e-10: 1 when E|x - xhat|^2 is too)
///     mcc                = mean over the Hungarian matching of latents to features on
///                          1 - |cos(D_i, f_j)| of the matched |cos| (min(k, n) pairs)
///     uniqueness         = #{distinct argmax_j |cos(D_i, f_j)|} / k
///     per latent i, as a detector of its best-matching feature b_i = argmax_j |cos(D_i, f_j)|
///     (the first on ties, as torch's argmax): TP = P(h_i > 0, m_{b_i} > 0), FP, FN, TN
///     alike; precision TP / (TP + FP), recall TP / (TP + FN) (0 when undefined),
///     f1 = 2 P R / (P + R) (0 when P + R = 0), accuracy TP + TN; and their means over latents.
///
/// SAELens counts a latent active when h_i > 0; so does this (a relu, TopK or JumpReLU
/// activation is never negative). Exact means dead latents are dead on the whole toy, not on
/// the samples drawn.
public struct SAESyntheticMetrics: Sendable, Hashable, Encodable {
  /// One latent as a detector of its best-matching true feature.
  public struct Detector: Sendable, Hashable, Encodable {
    /// The feature's index (the best match by decoder |cos|).
    public var feature: Int
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var accuracy: Double
  }

  /// The absorption gap of one direct parent-child edge of the toy's hierarchy (proposed for
  /// SAELens's synthetic evaluation, decoderesearch/SAELens issue 729):
  ///
  ///     gap = P(h_l > 0 | parent on, child off) - P(h_l > 0 | parent on, child on)
  ///
  /// with l the latent whose decoder has the largest |cos| with the parent (the first on
  /// ties). Positive: the parent's latent fires less when the child fires.
  public struct AbsorptionGap: Sendable, Hashable, Encodable {
    public var parent: Int
    public var child: Int
    public var latent: Int
    /// P(h_l > 0 | parent on, child off); nil when that never happens.
    public var withoutChild: Double?
    /// P(h_l > 0 | parent on, child on); nil when that never happens.
    public var withChild: Double?
    /// withoutChild - withChild; nil when either is.
    public var gap: Double?

    enum CodingKeys: String, CodingKey {
      case parent, child, latent, withoutChild = "parent_without_child_recall"
      case withChild = "parent_with_child_recall", gap
    }
  }

  public var trueL0: Double
  public var deadLatents: Int
  public var shrinkage: Double
  public var explainedVariance: Double
  public var mcc: Double
  public var uniqueness: Double
  /// Means over the latents of the detectors' numbers.
  public var precision: Double
  public var recall: Double
  public var f1: Double
  public var accuracy: Double
  /// Per latent.
  public var detectors: [Detector]
  /// Per direct parent-child edge (`Absorption.hierarchy` without grandparents), in order
  /// of parent then child; and the mean of their gaps (nil with no gap defined).
  public var absorptionGaps: [AbsorptionGap]
  public var absorptionGap: Double?

  enum CodingKeys: String, CodingKey {
    case trueL0 = "true_l0", deadLatents = "dead_latents", shrinkage
    case explainedVariance = "explained_variance", mcc, uniqueness, precision, recall, f1
    case accuracy, absorptionGap = "absorption_gap", absorptionGaps = "absorption_gaps"
  }

  /// The metrics of `sae` over `patterns` (weights summing to 1: a toy's patterns, or a
  /// sample set's draws weighted by their share).
  ///
  /// - Parameters:
  ///   - features: n, the number of true features.
  ///   - basis: the features' directions (n rows of the SAE's d) when d > n; nil for the unit
  ///     vectors.
  public init(_ sae: SAE, patterns: [WeightedPattern], features n: Int, basis: [[Double]]?) {
    let d = sae.dimensions
    let k = sae.latents
    let directions = basis ?? (0..<n).map { j in (0..<d).map { $0 == j ? 1.0 : 0.0 } }
    // |cos| of each decoder row with each feature, rows normalised as SAELens's
    // cosine_similarities does (a zero row: cos 0).
    let cosines = (0..<k).map { i -> [Double] in
      let row = sae.decoderRow(i)
      let norm = max(dot(row, row).squareRoot(), 1e-8)
      return directions.map { f in abs(dot(row, f)) / (norm * max(dot(f, f).squareRoot(), 1e-8)) }
    }
    let best = cosines.map { row in row.indices.reduce(0) { row[$1] > row[$0] ? $1 : $0 } }
    uniqueness = k == 0 ? 0 : Double(Set(best).count) / Double(k)
    // Hungarian matching on 1 - |cos|, padded to a square with zero cost.
    let size = max(k, n)
    let cost = (0..<size).map { i in
      (0..<size).map { j in i < k && j < n ? 1 - cosines[i][j] : 0 }
    }
    let matched = minimumCostAssignment(cost).enumerated().filter { $0.offset < k && $0.element < n }
    mcc = matched.isEmpty ? 0 : matched.reduce(0.0) { $0 + cosines[$1.offset][$1.element] } / Double(matched.count)

    // The direct edges: (p, c) with no q between them ((p, q) and (q, c) both edges).
    let implied = Absorption.hierarchy(patterns, features: n)
    let below = Dictionary(uniqueKeysWithValues: implied.map { ($0.parent, Set($0.children)) })
    let edges = implied.flatMap { e in
      e.children.filter { c in !e.children.contains { q in below[q]?.contains(c) ?? false } }
        .map { (parent: e.parent, child: $0) }
    }
    let parentLatent = edges.map { e in
      (0..<k).reduce(0) { cosines[$1][e.parent] > cosines[$0][e.parent] ? $1 : $0 }
    }
    // Per edge: mass and firing mass with the child off, then on (parent on in both).
    var conditional = [(off: Double, offFires: Double, on: Double, onFires: Double)](
      repeating: (0, 0, 0, 0), count: edges.count)

    var trueL0 = 0.0
    var fired = [Bool](repeating: false, count: k)
    var mean = [Double](repeating: 0, count: d)
    var squaredNorm = 0.0
    var residual = 0.0
    var shrink = (sum: 0.0, weight: 0.0)
    var tp = [Double](repeating: 0, count: k)
    var fp = tp
    var fn = tp
    var tn = tp
    for p in patterns where p.weight > 0 {
      let w = p.weight
      let x = p.input(dimensions: d, basis: basis)
      let h = sae.activations(x)
      let xhat = sae.reconstruction(h)
      var on = Set<Int>()
      for a in p.active where a.magnitude > 0 { on.insert(a.feature) }
      trueL0 += w * Double(on.count)
      for c in 0..<d { mean[c] += w * x[c] }
      let x2 = dot(x, x)
      squaredNorm += w * x2
      residual += w * zip(x, xhat).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      if x2.squareRoot() > 1e-6 {
        shrink.sum += w * dot(xhat, xhat).squareRoot() / x2.squareRoot()
        shrink.weight += w
      }
      for (e, edge) in edges.enumerated() where on.contains(edge.parent) && k > 0 {
        let fires = h[parentLatent[e]] > 0
        if on.contains(edge.child) {
          conditional[e].on += w
          if fires { conditional[e].onFires += w }
        } else {
          conditional[e].off += w
          if fires { conditional[e].offFires += w }
        }
      }
      for i in 0..<k {
        let fires = h[i] > 0
        if fires { fired[i] = true }
        switch (fires, on.contains(best[i])) {
        case (true, true): tp[i] += w
        case (true, false): fp[i] += w
        case (false, true): fn[i] += w
        case (false, false): tn[i] += w
        }
      }
    }
    self.trueL0 = trueL0
    deadLatents = fired.filter { !$0 }.count
    shrinkage = shrink.weight > 0 ? shrink.sum / shrink.weight : 0
    let variance = squaredNorm - dot(mean, mean)
    explainedVariance = variance < 1e-10 ? (residual < 1e-10 ? 1 : 0) : 1 - residual / variance
    let detectors = (0..<k).map { i in
      let precision = tp[i] + fp[i] > 0 ? tp[i] / (tp[i] + fp[i]) : 0
      let recall = tp[i] + fn[i] > 0 ? tp[i] / (tp[i] + fn[i]) : 0
      let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
      let total = tp[i] + fp[i] + fn[i] + tn[i]
      return Detector(
        feature: best[i], precision: precision, recall: recall, f1: f1,
        accuracy: (tp[i] + tn[i]) / max(total, 1e-8))
    }
    self.detectors = detectors
    func average(_ value: (Detector) -> Double) -> Double {
      k == 0 ? 0 : detectors.reduce(0.0) { $0 + value($1) } / Double(k)
    }
    absorptionGaps = k == 0 ? [] : edges.enumerated().map { e, edge in
      let c = conditional[e]
      let without = c.off > 0 ? c.offFires / c.off : nil
      let with = c.on > 0 ? c.onFires / c.on : nil
      return AbsorptionGap(
        parent: edge.parent, child: edge.child, latent: parentLatent[e], withoutChild: without,
        withChild: with, gap: without.flatMap { a in with.map { a - $0 } })
    }
    let gaps = absorptionGaps.compactMap(\.gap)
    absorptionGap = gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count)
    precision = average(\.precision)
    recall = average(\.recall)
    f1 = average(\.f1)
    accuracy = average(\.accuracy)
  }

  /// The metrics in one line of text, numbers to 4 decimals.
  public var line: String {
    let f = { TextTable.decimal($0) }
    return "SAELens's metrics: mcc \(f(mcc)), uniqueness \(f(uniqueness)), explained variance "
      + "\(f(explainedVariance)), shrinkage \(f(shrinkage)), dead latents \(deadLatents), true l0 "
      + "\(f(trueL0)); latents as detectors of their features: precision \(f(precision)), recall "
      + "\(f(recall)), f1 \(f(f1)), accuracy \(f(accuracy))"
      + (absorptionGap.map { "; absorption gap \(f($0))" } ?? "")
  }
}
