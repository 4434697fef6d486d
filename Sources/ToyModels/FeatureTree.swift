import Foundation

/// A forest of features in which a child fires only while its parent fires, with fixed
/// magnitudes: the hierarchies of SAELens's synthetic models and of the paper's tree files,
/// enumerated exactly into patterns.
///
/// Two rules, one per source:
///
///     saelens: every node with a feature draws Bernoulli(q); a node whose parent is off is
///              off; among the active children of a node with mutually exclusive children
///              (two or more with a feature) one winner is kept, uniformly at random
///              (decoderesearch/SAELens, sae_lens/synthetic/activation_generator.py `sample`,
///              hierarchy/modifier.py `_apply_hierarchy_sparse`, `_apply_me_for_groups`).
///              P(child i wins | parent) = q_i E[1 / (1 + K_i)], K_i the number of its other
///              active siblings (a Poisson-binomial count).
///     paper:   a node is on with probability q while its parent is on; mutually exclusive
///              children: exactly one is on, child i with q_i / sum_j q_j, whatever its own q
///              (chanind/feature-hedging-paper, hedging_paper/toy_models/
///              tree_feature_generator.py `_fill_batch`, `_sample_is_active`).
///
/// A node without a feature (SAELens's organisational node, the paper's `is_read_out: false`)
/// has no direction: under the paper's rule it still draws its own on/off state, under
/// SAELens's it passes its parent's state to its children.
public struct FeatureTree: Sendable, Hashable {
  /// How the tree fires (see the type's comment).
  public enum Rule: String, Sendable, Hashable {
    case saelens
    case paper
  }

  /// One node.
  public struct Node: Sendable, Hashable {
    /// The feature's index, or nil for a node without a direction.
    public var feature: Int?
    /// q, in [0, 1]: SAELens's firing probability, the paper's `active_prob`.
    public var probability: Double
    /// The feature's magnitude when it fires.
    public var magnitude: Double
    public var exclusiveChildren: Bool
    public var children: [Node]

    public init(
      feature: Int?, probability: Double, magnitude: Double = 1, exclusiveChildren: Bool = false,
      children: [Node] = []
    ) {
      self.feature = feature
      self.probability = probability
      self.magnitude = magnitude
      self.exclusiveChildren = exclusiveChildren
      self.children = children
    }
  }

  public var rule: Rule
  public var roots: [Node]
  /// n: features 0..<n.
  public var featureCount: Int
  /// Features in no tree, each firing on its own with its probability.
  public var independent: [HierarchyToy.Independent]

  /// - Throws: `FieldError` when a feature index is out of range or used twice, or a
  ///   probability is not in [0, 1] or a magnitude is not finite (naming the node's path).
  public init(
    rule: Rule, roots: [Node], featureCount n: Int, independent: [HierarchyToy.Independent] = []
  ) throws {
    self.rule = rule
    self.roots = roots
    self.featureCount = n
    self.independent = independent
    var used = Set<Int>()
    func check(_ node: Node, _ path: String) throws {
      if let f = node.feature {
        guard f >= 0 && f < n else {
          throw FieldError(field: "\(path).feature", value: "\(f)", reason: "is not in 0..<\(n)")
        }
        guard used.insert(f).inserted else {
          throw FieldError(field: "\(path).feature", value: "\(f)", reason: "is in the tree twice")
        }
      }
      guard node.probability >= 0 && node.probability <= 1 else {
        throw FieldError(
          field: "\(path).probability", value: "\(node.probability)", reason: "is not in [0, 1]")
      }
      guard node.magnitude.isFinite else {
        throw FieldError(
          field: "\(path).magnitude", value: "\(node.magnitude)", reason: "is not a finite number")
      }
      for (i, c) in node.children.enumerated() { try check(c, "\(path).children[\(i)]") }
    }
    for (i, r) in roots.enumerated() { try check(r, "roots[\(i)]") }
    for (i, v) in independent.enumerated() {
      guard v.feature >= 0 && v.feature < n, used.insert(v.feature).inserted else {
        throw FieldError(
          field: "independent[\(i)]", value: "\(v.feature)", reason: "is not a feature outside the tree")
      }
      guard v.probability >= 0 && v.probability <= 1 else {
        throw FieldError(
          field: "independent[\(i)].probability", value: "\(v.probability)", reason: "is not in [0, 1]")
      }
    }
  }

  /// A distribution over sets of active features: (probability, active features).
  typealias States = [(probability: Double, active: [ActiveFeature])]

  /// The most patterns `enumerate()` builds.
  public static let maxPatterns = 1 << 20

  /// The exact firing distribution: every pattern of positive probability, in increasing
  /// feature order, equal patterns merged, sorted by their active features.
  /// - Throws: `FieldError` when more than `maxPatterns` patterns would be built.
  public func enumerate() throws -> [WeightedPattern] {
    var total: States = [(1, [])]
    func multiply(_ factor: States) throws {
      guard total.count * factor.count <= Self.maxPatterns else {
        throw FieldError(
          field: "tree", value: "",
          reason: "has more than \(Self.maxPatterns) patterns: not enumerated")
      }
      total = total.flatMap { a in factor.map { b in (a.probability * b.probability, a.active + b.active) } }
        .filter { $0.probability > 0 }
    }
    for r in roots {
      switch rule {
      case .saelens: try multiply(try saelensStates(r, parentOn: true))
      case .paper: try multiply(try paperStates(r, forced: nil))
      }
    }
    for v in independent {
      try multiply([
        (1 - v.probability, []),
        (v.probability, [ActiveFeature(feature: v.feature, magnitude: v.magnitude)]),
      ])
    }
    var merged: [[ActiveFeature]: Double] = [:]
    for s in total {
      merged[s.active.sorted { $0.feature < $1.feature }, default: 0] += s.probability
    }
    return merged.map { WeightedPattern(weight: $0.value, active: $0.key) }
      .sorted { a, b in
        a.active.map(\.feature).lexicographicallyPrecedes(b.active.map(\.feature))
      }
  }

  /// The product of independent factors' distributions.
  private static func product(_ factors: [States]) throws -> States {
    var out: States = [(1, [])]
    for f in factors {
      guard out.count * f.count <= maxPatterns else {
        throw FieldError(
          field: "tree", value: "", reason: "has more than \(maxPatterns) patterns: not enumerated")
      }
      out = out.flatMap { a in f.map { b in (a.probability * b.probability, a.active + b.active) } }
        .filter { $0.probability > 0 }
    }
    return out
  }

  /// SAELens's rule: the states of `node`'s subtree (its Bernoulli draw included) given that
  /// its effective parent is on.
  private func saelensStates(_ node: Node, parentOn: Bool) throws -> States {
    guard let f = node.feature else {
      // No feature: the children see the node's parent; mutual exclusion among them applies
      // with the node taken as on (SAELens's group parent -1).
      return try childrenStates(node)
    }
    let on = try childrenStates(node).map {
      ($0.probability * node.probability, [ActiveFeature(feature: f, magnitude: node.magnitude)] + $0.active)
    }
    return [(1 - node.probability, [])] + on
  }

  /// SAELens's rule: the children's joint states given the node is on.
  private func childrenStates(_ node: Node) throws -> States {
    let withFeature = node.children.filter { $0.feature != nil }
    guard node.exclusiveChildren && withFeature.count >= 2 else {
      return try Self.product(try node.children.map { try saelensStates($0, parentOn: true) })
    }
    // Children without a feature are outside the exclusive group; they fire independently.
    let others = try Self.product(
      try node.children.filter { $0.feature == nil }.map { try saelensStates($0, parentOn: true) })
    let q = withFeature.map(\.probability)
    let wins = Self.exclusiveWinProbabilities(q)
    var group: States = [(q.reduce(1) { $0 * (1 - $1) }, [])]
    for (i, child) in withFeature.enumerated() where wins[i] > 0 {
      // The winner's own draw is conditioned on (it is on): its subtree given it is on.
      let below = try childrenStates(child)
      let own = ActiveFeature(feature: child.feature!, magnitude: child.magnitude)
      group += below.map { (wins[i] * $0.probability, [own] + $0.active) }
    }
    return try Self.product([group, others])
  }

  /// P(sibling i is the one kept) = q_i E[1 / (1 + K_i)], K_i the number of the other
  /// siblings drawn on (SAELens keeps one of the active siblings uniformly at random).
  ///
  /// E[1 / (1 + K)] from K's distribution, built one sibling at a time (a Poisson binomial).
  /// - Parameter q: each sibling's draw probability, in [0, 1].
  public static func exclusiveWinProbabilities(_ q: [Double]) -> [Double] {
    q.indices.map { i in
      var count = [1.0]  // count[k] = P(K_i = k)
      for (j, p) in q.enumerated() where j != i {
        var next = [Double](repeating: 0, count: count.count + 1)
        for (k, c) in count.enumerated() {
          next[k] += c * (1 - p)
          next[k + 1] += c * p
        }
        count = next
      }
      return q[i] * count.enumerated().reduce(0) { $0 + $1.element / Double($1.offset + 1) }
    }
  }

  /// The draw probabilities q that give each sibling the win probability `target[i]`
  /// under SAELens's uniform choice (the inverse of `exclusiveWinProbabilities`), by Newton's
  /// method on q in [0, 1]; nil when none reproduces the targets within 1e-13.
  /// - Parameter target: each sibling's P(kept | parent), summing to at most 1.
  public static func exclusiveDrawProbabilities(_ target: [Double]) -> [Double]? {
    let c = target.count
    guard c > 1 else { return target }
    guard target.allSatisfy({ $0 >= 0 && $0 <= 1 }), target.reduce(0, +) <= 1 + 1e-12 else { return nil }
    var q = target
    func residual(_ q: [Double]) -> [Double] {
      zip(exclusiveWinProbabilities(q), target).map { $0 - $1 }
    }
    for _ in 0..<200 {
      let r = residual(q)
      if r.allSatisfy({ abs($0) <= 1e-14 }) { break }
      // Jacobian by central differences (c is small; the map is a polynomial in q).
      var jacobian = [[Double]](repeating: [Double](repeating: 0, count: c), count: c)
      for j in 0..<c {
        let h = 1e-7
        var up = q
        var down = q
        up[j] = min(1, q[j] + h)
        down[j] = max(0, q[j] - h)
        let (a, b) = (exclusiveWinProbabilities(up), exclusiveWinProbabilities(down))
        for i in 0..<c { jacobian[i][j] = (a[i] - b[i]) / (up[j] - down[j]) }
      }
      guard let step = solve(jacobian, r) else { return nil }
      // Damped: halve the step until the residual falls (q kept in [0, 1]).
      let before = r.reduce(0) { $0 + $1 * $1 }
      var scale = 1.0
      var moved = false
      while scale > 1e-6 {
        let candidate = zip(q, step).map { min(1, max(0, $0 - scale * $1)) }
        let after = residual(candidate).reduce(0) { $0 + $1 * $1 }
        if after < before {
          q = candidate
          moved = true
          break
        }
        scale /= 2
      }
      if !moved { break }
    }
    // Near q = 1 the win probabilities are flat (their derivative vanishes at 1 when the
    // targets sum to 1): snap such draws to 1 when that fits the targets at least as well.
    let snapped = q.map { $0 > 1 - 1e-5 ? 1 : $0 }
    let norm = { (q: [Double]) in residual(q).map(abs).max() ?? 0 }
    if norm(snapped) <= max(norm(q), 1e-15) { q = snapped }
    return residual(q).allSatisfy({ abs($0) <= 1e-13 }) ? q : nil
  }

  /// x with A x = b (Gaussian elimination, partial pivoting); nil when A is singular.
  private static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
    let n = b.count
    var m = a
    var v = b
    for col in 0..<n {
      guard let pivot = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }),
        abs(m[pivot][col]) > 1e-300
      else { return nil }
      m.swapAt(col, pivot)
      v.swapAt(col, pivot)
      for row in (col + 1)..<n {
        let f = m[row][col] / m[col][col]
        for k in col..<n { m[row][k] -= f * m[col][k] }
        v[row] -= f * v[col]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var s = v[row]
      for k in (row + 1)..<n { s -= m[row][k] * x[k] }
      x[row] = s / m[row][row]
    }
    return x
  }

  /// The paper's rule: the states of `node`'s subtree given its parent is on; `forced` true:
  /// chosen among mutually exclusive siblings (on), false: not chosen (off), nil: its own draw.
  private func paperStates(_ node: Node, forced: Bool?) throws -> States {
    let pOn = forced.map { $0 ? 1.0 : 0.0 } ?? node.probability
    var below: States
    if node.exclusiveChildren && !node.children.isEmpty {
      let total = node.children.reduce(0) { $0 + $1.probability }
      guard total > 0 else {
        throw FieldError(
          field: "mutually_exclusive_children", value: "true",
          reason: "but every child's active_prob is 0 (the paper's multinomial needs one above 0)")
      }
      below = []
      for (i, chosen) in node.children.enumerated() where chosen.probability > 0 {
        let parts = try node.children.enumerated().map { j, c in
          try paperStates(c, forced: i == j)
        }
        below += try Self.product(parts).map { (chosen.probability / total * $0.probability, $0.active) }
      }
    } else {
      below = try Self.product(try node.children.map { try paperStates($0, forced: nil) })
    }
    let own = node.feature.map { [ActiveFeature(feature: $0, magnitude: node.magnitude)] } ?? []
    return [(1 - pOn, [])] + below.map { (pOn * $0.probability, own + $0.active) }
  }
}
