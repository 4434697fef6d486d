import Foundation

/// A hierarchical toy: groups of a parent and its children, plus independent features.
///
/// Groups and independent features fire independently of each other; the joint distribution is
/// the product, enumerated exactly into patterns by `enumerate(cutoff:)`.
public struct HierarchyToy: Sendable, Hashable {
  /// A feature that fires with a probability, at a magnitude: a group's child (the
  /// probability is P(child | parent)) or an independent feature (P(feature)).
  public struct FiringFeature: Sendable, Hashable {
    public var feature: Int
    /// In [0, 1]: given the parent for a child, unconditional for an independent feature.
    public var probability: Double
    public var magnitude: Double
    public init(feature: Int, probability: Double, magnitude: Double = 1) {
      self.feature = feature
      self.probability = probability
      self.magnitude = magnitude
    }
  }

  /// A child of a group: its feature, P(child | parent) and its magnitude.
  public typealias Child = FiringFeature

  /// A parent and its children.
  ///
  /// The parent fires with `probability`. Given the parent, the children fire either mutually
  /// exclusively (child i with P(child i | parent), none with 1 - sum; the sum must be <= 1) or
  /// independently. With `parentFiresAlone == false` the parent fires iff at least one child
  /// fires: the children's distribution given the parent is conditioned on "some child fires"
  /// (divided by 1 - P(no child | parent)), so P(parent) stays `probability`.
  /// Children never fire without their parent.
  public struct Group: Sendable, Hashable {
    public var parent: Int
    /// P(parent), in [0, 1].
    public var probability: Double
    public var magnitude: Double
    public var children: [Child]
    public var exclusiveChildren: Bool
    public var parentFiresAlone: Bool
    public init(
      parent: Int, probability: Double, magnitude: Double = 1, children: [Child],
      exclusiveChildren: Bool, parentFiresAlone: Bool = true
    ) {
      self.parent = parent
      self.probability = probability
      self.magnitude = magnitude
      self.children = children
      self.exclusiveChildren = exclusiveChildren
      self.parentFiresAlone = parentFiresAlone
    }
  }

  /// A feature firing on its own with `probability`, independently of everything else.
  public typealias Independent = FiringFeature

  /// The enumerated patterns and the probability mass dropped below the cutoff.
  public struct Enumeration: Sendable, Hashable {
    public var patterns: [WeightedPattern]
    /// Total probability of the dropped patterns (0 when the cutoff is 0).
    public var droppedMass: Double
  }

  /// The largest total mass `enumerate(cutoff:)` may drop.
  public static let maxDroppedMass = 1e-12

  /// The most patterns (and the most states of one group) `enumerate(cutoff:)` builds: about
  /// 100 MB of patterns.
  public static let maxPatterns = 1 << 20

  /// The number of states of each factor (every group, then every independent feature), an
  /// upper bound counted before any is built: a group with c children has 1 + (c + 1) states
  /// when they are exclusive, 1 + 2^c when they fire independently.
  public var stateCounts: [Double] {
    groups.map { g in
      1 + (g.exclusiveChildren ? Double(g.children.count + 1) : pow(2, Double(g.children.count)))
    } + independent.map { _ in 2 }
  }

  /// The most patterns `enumerate(cutoff:)` can keep: the product of the factors' state counts,
  /// and with a cutoff at most 1 / cutoff (every kept pattern has probability >= cutoff).
  public func patternBound(cutoff: Double) -> Double {
    let product = stateCounts.reduce(1, *)
    return cutoff > 0 ? min(product, 1 / cutoff) : product
  }

  public var featureCount: Int
  public var groups: [Group]
  public var independent: [Independent]

  /// - Throws: `FieldError` if a probability is outside [0, 1], exclusive children sum above
  ///   1, a group without children has `parentFiresAlone == false`, children cannot fire when
  ///   the parent must not fire alone, or a feature index is out of range or used twice.
  public init(featureCount: Int, groups: [Group], independent: [Independent] = []) throws {
    self.featureCount = featureCount
    self.groups = groups
    self.independent = independent
    var used = Set<Int>()
    func claim(_ f: Int, _ field: String) throws {
      guard f >= 0 && f < featureCount else {
        throw FieldError(
          field: field, value: "", reason: "feature \(f) is not in 0..<\(featureCount)")
      }
      guard used.insert(f).inserted else {
        throw FieldError(field: field, value: "", reason: "feature \(f) used twice")
      }
    }
    func unit(_ p: Double, _ field: String) throws {
      guard p >= 0 && p <= 1 else {
        throw FieldError(field: field, value: "", reason: "probability \(p) is not in [0, 1]")
      }
    }
    for (g, group) in groups.enumerated() {
      try claim(group.parent, "groups[\(g)].parent")
      try unit(group.probability, "groups[\(g)].probability")
      for (c, child) in group.children.enumerated() {
        try claim(child.feature, "groups[\(g)].children[\(c)]")
        try unit(child.probability, "groups[\(g)].children[\(c)].probability")
      }
      if group.exclusiveChildren {
        let sum = group.children.reduce(0) { $0 + $1.probability }
        guard sum <= 1 + 1e-12 else {
          throw FieldError(
            field: "groups[\(g)].children", value: "",
            reason: "exclusive probabilities sum to \(sum) > 1")
        }
      }
      if !group.parentFiresAlone && group.probability > 0 {
        guard group.children.contains(where: { $0.probability > 0 }) else {
          throw FieldError(
            field: "groups[\(g)]", value: "",
            reason: "the parent fires only with a child but no child can fire")
        }
      }
    }
    for (i, ind) in independent.enumerated() {
      try claim(ind.feature, "independent[\(i)].feature")
      try unit(ind.probability, "independent[\(i)].probability")
    }
  }

  /// The states of one factor (a group or an independent feature): probability and active list.
  private typealias State = (probability: Double, active: [ActiveFeature])

  private static func states(of group: Group) -> [State] {
    let parent = ActiveFeature(feature: group.parent, magnitude: group.magnitude)
    var given: [State] = []  // children's states given the parent, P(children | parent)
    if group.exclusiveChildren {
      let none = max(0, 1 - group.children.reduce(0) { $0 + $1.probability })
      given.append((none, []))
      for c in group.children {
        given.append((c.probability, [ActiveFeature(feature: c.feature, magnitude: c.magnitude)]))
      }
    } else {
      given = [(1, [])]
      for c in group.children {
        let a = ActiveFeature(feature: c.feature, magnitude: c.magnitude)
        given = given.flatMap { s in
          [
            (s.probability * (1 - c.probability), s.active),
            (s.probability * c.probability, s.active + [a]),
          ]
        }
      }
    }
    if !group.parentFiresAlone {
      let some = 1 - given.filter { $0.active.isEmpty }.reduce(0) { $0 + $1.probability }
      given = given.filter { !$0.active.isEmpty }.map { ($0.probability / some, $0.active) }
    }
    var out: [State] = [(1 - group.probability, [])]
    for s in given { out.append((group.probability * s.probability, [parent] + s.active)) }
    return out.filter { $0.probability > 0 }
  }

  /// The exact firing distribution: every pattern of probability at least `cutoff`.
  ///
  /// P(pattern) is the product of its factors' state probabilities. A partial product below
  /// `cutoff` is dropped with everything below it (its mass is exact: the remaining factors sum
  /// to 1) and added to `droppedMass`. Patterns are sorted by active features; equal patterns
  /// cannot arise (every feature belongs to one factor).
  /// - Parameter cutoff: in [0, 1); 0 keeps every pattern of positive probability.
  /// - Throws: `FieldError` if more than `maxDroppedMass` would be dropped, or, before
  ///   anything is built, if a group has more than `maxPatterns` states or the patterns kept
  ///   could number more than `maxPatterns` (naming the cutoff that bounds them).
  public func enumerate(cutoff: Double = 0) throws -> Enumeration {
    let limit = Double(Self.maxPatterns)
    for (g, count) in zip(groups.indices, stateCounts) where count > limit {
      throw FieldError(
        field: "groups[\(g)].children", value: "",
        reason: "\(groups[g].children.count) children that fire independently "
          + "make \(Int(min(count, 1e18))) states, above \(Self.maxPatterns)")
    }
    let bound = patternBound(cutoff: cutoff)
    if bound > limit {
      throw FieldError(
        field: "cutoff", value: "\(cutoff)",
        reason: "keeps up to \(String(format: "%.0f", bound)) patterns, above "
          + "\(Self.maxPatterns): a cutoff of \(1 / limit) or more bounds them")
    }
    var factors = groups.map(Self.states(of:))
    for ind in independent {
      let a = ActiveFeature(feature: ind.feature, magnitude: ind.magnitude)
      factors.append([(1 - ind.probability, []), (ind.probability, [a])].filter { $0.0 > 0 })
    }
    var partial: [State] = [(1, [])]
    var dropped = 0.0
    for states in factors {
      var next: [State] = []
      next.reserveCapacity(partial.count * states.count)
      for p in partial {
        for s in states {
          let q = p.probability * s.probability
          if q < cutoff {
            dropped += q
            continue
          }
          next.append((q, p.active + s.active))
        }
      }
      partial = next
    }
    guard dropped <= Self.maxDroppedMass else {
      throw FieldError(
        field: "cutoff", value: "\(cutoff)",
        reason: "drops mass \(dropped) > \(Self.maxDroppedMass)")
    }
    let patterns = partial.map { s in
      WeightedPattern(weight: s.probability, active: s.active.sorted { $0.feature < $1.feature })
    }
    return Enumeration(patterns: patterns, droppedMass: dropped)
  }

  /// The toy model with the enumerated patterns; feature names f0, f1, ... unless given.
  public func toyModel(features: [String]? = nil, cutoff: Double = 0) throws -> ToyModel {
    let names = features ?? (0..<featureCount).map { "f\($0)" }
    guard names.count == featureCount else {
      throw FieldError(
        field: "features", value: "", reason: "\(names.count) names for \(featureCount) features")
    }
    return ToyModel(features: names, firing: .enumerable(try enumerate(cutoff: cutoff).patterns))
  }
}
