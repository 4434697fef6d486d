extension FeatureTree {
  /// The SAELens tree whose firing distribution is `patterns`, when there is one: what a toy
  /// becomes in SAELens's synthetic model.
  ///
  ///     parent(c) = the feature of smallest P(p) that fires in every pattern where c fires
  ///                 (ties: the largest index below c's, so co-firing features form a chain)
  ///     q_c       = P(c) / P(parent(c))      (P(c) for a root)
  ///
  /// A node whose children never fire together (two or more) has mutually exclusive
  /// children, their draw probabilities solved so that SAELens's uniform choice gives
  /// P(c | parent) (`exclusiveDrawProbabilities`). Every magnitude must be one number. The
  /// tree is then enumerated and compared with the patterns: a distribution that is not
  /// SAELens's (the paper's conditional "parent only with a child", correlations between
  /// groups, a joint that no tree gives) is refused.
  /// - Parameters:
  ///   - patterns: the toy's patterns, weights summing to 1 - `dropped`.
  ///   - names: the features' names (n), for messages.
  ///   - dropped: the mass the toy's enumeration dropped; the comparison allows it.
  /// - Returns: the tree (rule saelens) and the one magnitude (1 when nothing fires).
  /// - Throws: `FieldError` naming what cannot be expressed.
  public static func saelens(
    from patterns: [WeightedPattern], names: [String], dropped: Double = 0
  ) throws -> (tree: FeatureTree, magnitude: Double) {
    let n = names.count
    var magnitude: Double?
    var marginal = [Double](repeating: 0, count: n)
    // implied[c][p]: p fires in every pattern of weight > 0 where c fires.
    var implied = [[Bool]](repeating: [Bool](repeating: true, count: n), count: n)
    var together = [[Bool]](repeating: [Bool](repeating: false, count: n), count: n)
    for pattern in patterns where pattern.weight > 0 {
      var on = [Bool](repeating: false, count: n)
      for a in pattern.active where a.magnitude != 0 {
        if let m = magnitude, m != a.magnitude {
          throw FieldError(
            field: "magnitude", value: "\(a.magnitude)",
            reason: "of \(names[a.feature]) differs from \(m): SAELens's synthetic model has one magnitude for every feature here")
        }
        magnitude = a.magnitude
        on[a.feature] = true
        marginal[a.feature] += pattern.weight
      }
      for c in 0..<n where on[c] {
        for p in 0..<n {
          if !on[p] { implied[c][p] = false } else if p != c { together[c][p] = true }
        }
      }
    }
    if let m = magnitude, !(m > 0) {
      throw FieldError(
        field: "magnitude", value: "\(m)",
        reason: "is not above 0: SAELens applies relu to every magnitude")
    }
    var parent = [Int?](repeating: nil, count: n)
    for c in 0..<n where marginal[c] > 0 {
      let candidates = (0..<n).filter { p in
        p != c && marginal[p] > 0 && implied[c][p]
          && (!implied[p][c] || p < c)  // co-firing features: the lower index is above
      }
      parent[c] = candidates.min { a, b in
        marginal[a] != marginal[b] ? marginal[a] < marginal[b] : a > b
      }
    }
    func node(_ f: Int) throws -> Node {
      let kids = (0..<n).filter { parent[$0] == f }
      let exclusive =
        kids.count >= 2 && kids.allSatisfy { a in kids.allSatisfy { b in a == b || !together[a][b] } }
      var children = try kids.map { try node($0) }
      if exclusive {
        let targets = children.map { $0.probability }
        guard let q = exclusiveDrawProbabilities(targets) else {
          throw FieldError(
            field: names[f], value: "",
            reason: "has mutually exclusive children whose probabilities SAELens's uniform choice cannot give")
        }
        for i in children.indices { children[i].probability = q[i] }
      }
      let q = parent[f].map { marginal[f] / marginal[$0] } ?? marginal[f]
      return Node(
        feature: f, probability: min(1, q), magnitude: magnitude ?? 1, exclusiveChildren: exclusive,
        children: children)
    }
    let roots = try (0..<n).filter { parent[$0] == nil && marginal[$0] > 0 }
      .filter { f in (0..<n).contains { parent[$0] == f } }
      .map { try node($0) }
    let independent = (0..<n).filter { f in parent[f] == nil && !(0..<n).contains { parent[$0] == f } }
      .map { HierarchyToy.Independent(feature: $0, probability: marginal[$0], magnitude: magnitude ?? 1) }
    let tree = try FeatureTree(rule: .saelens, roots: roots, featureCount: n, independent: independent)
    try tree.check(against: patterns, names: names, tolerance: dropped + 1e-12)
    return (tree, magnitude ?? 1)
  }

  /// Refuses a tree whose enumeration differs from `patterns` by more than `tolerance` in
  /// some pattern's probability.
  func check(against patterns: [WeightedPattern], names: [String], tolerance: Double) throws {
    func key(_ p: WeightedPattern) -> [Int] { p.active.filter { $0.magnitude != 0 }.map(\.feature).sorted() }
    var given: [[Int]: Double] = [:]
    for p in patterns { given[key(p), default: 0] += p.weight }
    var mine: [[Int]: Double] = [:]
    for p in try enumerate() { mine[key(p), default: 0] += p.weight }
    // "Nothing fires" may be left implicit: it gets the leftover mass but what was dropped.
    given[[], default: 0] += max(0, 1 - given.values.reduce(0, +) - (tolerance - 1e-12))
    for k in Set(given.keys).union(mine.keys).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
      let (a, b) = (given[k] ?? 0, mine[k] ?? 0)
      if abs(a - b) > tolerance + 1e-12 {
        let label = k.isEmpty ? "nothing" : k.map { names[$0] }.joined(separator: "+")
        throw FieldError(
          field: "patterns", value: "",
          reason: "are not a SAELens hierarchy (independent features, trees, mutually exclusive siblings): \(label) has probability \(a) here, \(b) in the nearest tree")
      }
    }
  }
}
