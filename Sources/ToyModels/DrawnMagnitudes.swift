/// Enumerated firing patterns whose firing features draw their magnitudes: sampled.
///
///     x = sum over the drawn pattern's features f of m_f e_f,   m_f drawn from `distribution`
///
/// Which features fire follows the patterns' probabilities; each firing feature then draws
/// its magnitude on its own (`MagnitudeDistribution`: |mean_f + std_f g|, the normal given it
/// is above 0, or relu(mean_f + std_f g)), independent of the pattern and of the other
/// features. This is how the paper's tree generator draws a tree
/// (chanind/feature-hedging-paper, hedging_paper/toy_models/tree_feature_generator.py
/// `_fill_batch`: a node's firing, then `_sample_magnitudes`, |N(mean, std)| per read-out
/// node), and, with the truncated normal and the tree's probabilities scaled by
/// Phi(mean / std), how SAELens 6.54 draws a hierarchy (`SAELensSyntheticModel`: its relu
/// magnitudes come first and a feature whose magnitude is 0 is inactive to the hierarchy). The expected loss of an SAE has no closed form here (a relu of a drawn sum), so
/// the toy is sampled, never enumerated.
public struct DrawnMagnitudes: Sendable, Hashable {
  /// The firing patterns with their probabilities, each feature at its mean magnitude.
  public let patterns: [WeightedPattern]
  /// The features' magnitudes (some std above 0).
  public let distribution: MagnitudeDistribution

  /// - Parameters:
  ///   - patterns: the firing patterns; every feature index in 0..<distribution.means.count,
  ///     at least one pattern of positive probability.
  ///   - distribution: not fixed (a fixed one is an enumerable toy: `ToyModel.Firing.patterns`).
  /// - Throws: `FieldError` naming `magnitude_std` or `patterns`.
  public init(patterns: [WeightedPattern], distribution: MagnitudeDistribution) throws {
    guard !distribution.isFixed else {
      throw FieldError(
        field: "magnitude_std", value: "0", reason: "is 0 for every feature: the toy is enumerable")
    }
    let n = distribution.means.count
    for (j, p) in patterns.enumerated() {
      if let a = p.active.first(where: { !(0..<n).contains($0.feature) }) {
        throw FieldError(
          field: "patterns[\(j)]", value: "\(a.feature)", reason: "is not a feature in 0..<\(n)")
      }
    }
    guard patterns.contains(where: { $0.weight > 0 }) else {
      throw FieldError(field: "patterns", value: "", reason: "none has a positive probability")
    }
    self.patterns = patterns
    self.distribution = distribution
  }

  /// Draws batches: a pattern per sample (an alias table over the patterns), then its
  /// features' magnitudes (`PatternDistribution.drawSamples(_:_:magnitudes:into:)`).
  public final class Sampler: FiringSampler {
    private let patterns: PatternDistribution
    private let distribution: MagnitudeDistribution

    public init(_ firing: DrawnMagnitudes) {
      patterns = PatternDistribution(firing.patterns, batch: 1)
      distribution = firing.distribution
    }

    public func draw(_ samples: Int, _ stream: RandomStream, into batch: PatternBatch) {
      patterns.drawSamples(samples, stream, magnitudes: distribution, into: batch)
    }
  }
}

extension ToyModel.Firing {
  /// Enumerated patterns at fixed magnitudes (`enumerable`, with each feature's magnitude
  /// its mean), or with magnitudes drawn (`drawnMagnitudes`) when some std is above 0.
  /// - Throws: as `DrawnMagnitudes.init`.
  public static func patterns(_ patterns: [WeightedPattern], magnitudes: MagnitudeDistribution)
    throws -> ToyModel.Firing
  {
    if magnitudes.isFixed { return .enumerable(patterns) }
    return .drawnMagnitudes(try DrawnMagnitudes(patterns: patterns, distribution: magnitudes))
  }
}
