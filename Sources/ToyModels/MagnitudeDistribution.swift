import _CGSL

/// How a firing feature's magnitude is drawn: fixed at its mean, or a normal N(mean_i, std_i^2)
/// clipped at zero (relu) or folded (absolute value).
///
/// relu: m = max(0, mean_i + std_i g), g standard normal, as the paper's later
/// `get_training_batch` (chanind/feature-hedging-paper,
/// `hedging_paper/toy_models/get_training_batch.py`, its last line: `(firing_features * (mean +
/// delta)).relu()` with delta ~ N(0, std)) and SAELens's synthetic module
/// (`sae_lens/synthetic/activation_generator.py`, `ActivationGenerator.sample`) draw them; the
/// paper's large toy (`notebooks/large_toy_model_experiments.ipynb`, first code cell) passes
/// `std_firing_magnitudes = 0.15` with mean 1. A magnitude clipped to 0 does not fire.
/// folded: m = |mean_i + std_i g|, as the paper's tree format's `magnitude_std` does
/// (`hedging_paper/toy_models/tree_feature_generator.py`, `_sample_magnitudes`;
/// `tree.schema.json`). truncated: m ~ N(mean_i, std_i^2) conditioned on m > 0, drawn by
/// inversion from the same g: m = mean_i + std_i Q^-1(Phi(mean_i / std_i) Q(g)), Q the upper
/// tail of the standard normal (GSL); this is the magnitude of a feature that SAELens 6.54 keeps
/// active (its hierarchy switches off a feature whose relu magnitude is 0, and its children:
/// sae_lens/synthetic/activation_generator.py `ActivationGenerator.sample` draws the
/// magnitudes before `modify_activations`). fixed: m = mean_i (every std_i is 0).
/// A distribution with some std_i > 0 is sampled only: no exact or enumerated path takes it.
public struct MagnitudeDistribution: Sendable, Hashable {
  /// How a normal draw becomes a magnitude.
  public enum Shape: String, Sendable, Hashable, CaseIterable {
    /// m = mean (every std is 0).
    case fixed
    /// m = max(0, mean + std g).
    case relu
    /// m = |mean + std g|.
    case folded
    /// m = mean + std g given m > 0.
    case truncated
  }

  public let shape: Shape
  /// mean_i, the magnitude (fixed) or the normal's mean, per feature.
  public let means: [Double]
  /// std_i >= 0 per feature; all 0 for `fixed`.
  public let stds: [Double]
  /// P(mean_i + std_i g > 0) = Phi(mean_i / std_i) per feature (1 where std_i is 0).
  public let positive: [Double]

  /// Every feature fires at its mean.
  public init(fixed means: [Double]) {
    shape = .fixed
    self.means = means
    stds = [Double](repeating: 0, count: means.count)
    positive = [Double](repeating: 1, count: means.count)
  }

  /// - Parameters: means finite, each in [-1e6, 1e6]; stds finite, each in [0, 1e6], one per
  ///   mean; shape `fixed` only with every std 0; `truncated` only where a draw can be
  ///   positive (mean_i / std_i > -30, mean_i > 0 where std_i is 0).
  /// - Throws: `FieldError` naming `magnitude_std` or `magnitude_distribution`.
  public init(_ shape: Shape, means: [Double], stds: [Double]) throws {
    guard stds.count == means.count else {
      throw FieldError(
        field: "magnitude_std", value: "", reason: "\(stds.count) values for \(means.count) features")
    }
    for (i, s) in stds.enumerated() where !(s >= 0 && s <= 1e6) {
      throw FieldError(field: "magnitude_std[\(i)]", value: "\(s)", reason: "is not in [0, 1e6]")
    }
    if shape == .fixed, let i = stds.firstIndex(where: { $0 != 0 }) {
      throw FieldError(
        field: "magnitude_distribution", value: "fixed",
        reason: "needs every magnitude_std 0 (magnitude_std[\(i)] is \(stds[i]))")
    }
    let positive = zip(means, stds).map { m, s in s > 0 ? gsl_cdf_ugaussian_P(m / s) : (m > 0 ? 1.0 : 0) }
    if shape == .truncated, let i = positive.indices.first(where: { !(means[$0] / stds[$0] > -30) && !(means[$0] > 0) }) {
      throw FieldError(
        field: "magnitude_mean[\(i)]", value: "\(means[i])",
        reason: "with std \(stds[i]) leaves no positive draw to keep (truncated needs mean / std > -30)")
    }
    self.shape = shape
    self.means = means
    self.stds = stds
    self.positive = positive
  }

  /// True when every magnitude is its mean (no draws).
  public var isFixed: Bool { shape == .fixed || stds.allSatisfy { $0 == 0 } }

  /// Feature i's magnitude from a standard normal deviate g: mean_i + std_i g, clipped by relu
  /// or folded.
  @inline(__always) public func magnitude(_ i: Int, gaussian g: Double) -> Double {
    let x = means[i] + stds[i] * g
    switch shape {
    case .fixed: return means[i]
    case .relu: return max(0, x)
    case .folded: return abs(x)
    case .truncated:
      guard stds[i] > 0 else { return means[i] }
      // Near the bound m is mean + std x with x near -mean / std: rounded to 0 it is kept at
      // the smallest normal Double, so a kept feature stays active.
      let m = means[i] + stds[i] * gsl_cdf_ugaussian_Qinv(positive[i] * gsl_cdf_ugaussian_Q(g))
      return max(m, .leastNormalMagnitude)
    }
  }
}
