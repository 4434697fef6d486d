/// One feature firing in a pattern: its index and its magnitude.
public struct ActiveFeature: Sendable, Hashable {
  /// Index of the feature, in 0..<n.
  public var feature: Int
  /// The feature's magnitude when it fires (the coefficient of its direction).
  public var magnitude: Double

  public init(feature: Int, magnitude: Double) {
    self.feature = feature
    self.magnitude = magnitude
  }
}

/// A firing pattern with its weight: a sparse list of the features that fire.
///
/// The sample is x = sum over `active` of magnitude * e_feature. The empty list is the pattern in
/// which nothing fires.
public struct WeightedPattern: Sendable, Hashable {
  /// The weight (a probability for an enumerated toy; a count share for a batch).
  public var weight: Double
  /// The features that fire, in increasing feature order, each at most once.
  public var active: [ActiveFeature]

  public init(weight: Double, active: [ActiveFeature]) {
    self.weight = weight
    self.active = active
  }

  /// The dense magnitude vector of the pattern over `n` features.
  public func magnitudes(features n: Int) -> [Double] {
    var m = [Double](repeating: 0, count: n)
    for a in active { m[a.feature] += a.magnitude }
    return m
  }

  /// The pattern's input in d dimensions: x = sum_f m_f e_f, e_f the rows of `basis` (each of
  /// d values), or the unit vectors of R^d without one.
  public func input(dimensions d: Int, basis: [[Double]]?) -> [Double] {
    guard let basis else { return magnitudes(features: d) }
    var x = [Double](repeating: 0, count: d)
    for a in active {
      for c in 0..<d { x[c] += a.magnitude * basis[a.feature][c] }
    }
    return x
  }
}

/// A toy model of the paper: named features and how they fire.
///
/// The landscape, the trainer and the explorer all read this one description. The features are
/// later embedded in d >= n dimensions through an orthonormal basis (that is the trainer's
/// business, not the toy model's).
public struct ToyModel: Sendable, Hashable {
  /// How the features fire.
  public enum Firing: Sendable, Hashable {
    /// Finitely many patterns with their probabilities (summing to 1 up to the dropped mass).
    case enumerable([WeightedPattern])
    /// Correlated gaussian thresholds: sampled, never enumerated.
    case correlated(CorrelatedFiring)
    /// Enumerated firing patterns with drawn magnitudes: sampled.
    case drawnMagnitudes(DrawnMagnitudes)
  }

  /// Feature names, one per feature.
  public var features: [String]
  /// How the features fire.
  public var firing: Firing

  public init(features: [String], firing: Firing) {
    self.features = features
    self.firing = firing
  }

  /// The enumerated patterns, or nil for a sampled toy (correlated, or drawn magnitudes).
  public var patterns: [WeightedPattern]? {
    if case .enumerable(let p) = firing { return p }
    return nil
  }

  /// True for correlated firing (gaussian thresholds), whose correlation can be scaled.
  public var isCorrelated: Bool {
    if case .correlated = firing { return true }
    return false
  }
}
