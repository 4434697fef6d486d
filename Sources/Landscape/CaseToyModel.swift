import ToyModels

extension Case {
  /// The case's firing distribution as a toy model: every explicit pattern, sparse.
  ///
  /// A pattern's active list holds its non-zero magnitudes; its weight is its probability. The
  /// probability that no pattern fires, 1 - sum_j pi_j, becomes the empty pattern (when > 0).
  public var toyModel: ToyModel {
    var patterns = self.patterns.map { p in
      WeightedPattern(
        weight: p.probability,
        active: p.magnitudes.enumerated().compactMap { i, m in
          m == 0 ? nil : ActiveFeature(feature: i, magnitude: m)
        })
    }
    if nothingProbability > 0 {
      patterns.append(WeightedPattern(weight: nothingProbability, active: []))
    }
    return ToyModel(features: features, firing: .enumerable(patterns))
  }
}
