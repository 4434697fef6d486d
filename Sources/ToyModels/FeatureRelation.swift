/// How a toy's features fire together: what an SAE narrower than the features is up against.
public enum FeatureRelation: Sendable, Hashable {
  /// An enumerable toy's co-occurrence: entry (i, j) is P(i and j fire), the diagonal each
  /// feature's firing probability.
  case cooccurrence([[Double]])
  /// A correlated toy's correlation matrix C of the gaussian z its features threshold.
  case correlation([[Double]])

  /// The n x n matrix.
  public var matrix: [[Double]] {
    switch self {
    case .cooccurrence(let m), .correlation(let m): return m
    }
  }

  /// The co-occurrence of enumerated patterns: P(i and j fire).
  ///
  /// P(i and j) = sum of w_p over the patterns p in which both i and j fire (a nonzero
  /// magnitude); P(i and i) = P(i fires).
  /// - Parameters:
  ///   - patterns: the weighted patterns (weights summing to at most 1).
  ///   - features: n, more than every feature index in `patterns`.
  public static func cooccurrence(_ patterns: [WeightedPattern], features n: Int) -> [[Double]] {
    var m = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for p in patterns {
      let firing = Set(p.active.filter { $0.magnitude != 0 }.map(\.feature))
      for i in firing { for j in firing { m[i][j] += p.weight } }
    }
    return m
  }
}

extension ToyModel {
  /// How the features fire together: the co-occurrence of an enumerable toy (or of the
  /// firing patterns of one with drawn magnitudes), the correlation matrix of a correlated one.
  public var featureRelation: FeatureRelation {
    switch firing {
    case .enumerable(let patterns):
      return .cooccurrence(FeatureRelation.cooccurrence(patterns, features: features.count))
    case .correlated(let c): return .correlation(c.correlation)
    case .drawnMagnitudes(let d):
      return .cooccurrence(FeatureRelation.cooccurrence(d.patterns, features: features.count))
    }
  }
}
