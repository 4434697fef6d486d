import ToyModels

extension ToyModel {
  /// Explicit patterns as a toy model: every pattern, sparse, and "nothing fires" with the
  /// leftover mass.
  ///
  /// A pattern's active list holds its non-zero magnitudes; its weight is its probability. The
  /// probability that no pattern fires, 1 - sum_j pi_j, becomes the empty pattern (when > 0).
  /// - Parameters: patterns: probabilities in [0, 1] summing to at most 1, magnitudes finite,
  ///   one per feature.
  public init(features: [String], patterns: [Pattern]) {
    var weighted = patterns.map { p in
      WeightedPattern(
        weight: p.probability,
        active: p.magnitudes.enumerated().compactMap { i, m in
          m == 0 ? nil : ActiveFeature(feature: i, magnitude: m)
        })
    }
    let nothing = max(0, 1 - patterns.reduce(0) { $0 + $1.probability })
    if nothing > 0 { weighted.append(WeightedPattern(weight: nothing, active: [])) }
    self.init(features: features, firing: .enumerable(weighted))
  }
}

extension LatentCase {
  /// The case's firing distribution as a toy model (`ToyModel(features:patterns:)`): what an
  /// SAE case with a `patterns` block trains on too.
  public var toyModel: ToyModel { ToyModel(features: features, patterns: patterns) }
}
