import ToyModels

/// How often the latent tracking a parent feature stays off when one of its children fires
/// (feature absorption, measured on a toy whose hierarchy is known).
///
///     absorption_c = P(h_p = 0 and c fires) / P(c fires)
///                  = sum_{j: c in F_j, h_p(x_j) = 0} w_j / sum_{j: c in F_j} w_j
///
/// per child c, with h_p the activation of the parent's latent p: of the latents whose decoder
/// tracks the parent (`SAEReading`), the one with the largest |cos|; if none does, the latent
/// whose decoder has the largest |cos| with the parent. `mean` is the children's mean.
public struct Absorption: Sendable, Hashable, Encodable {
  /// The parent feature and the latent read as tracking it.
  public var parent: Int
  public var latent: Int
  /// The children, and absorption_c of each, in [0, 1] (0 for a child that never fires).
  public var children: [Int]
  public var perChild: [Double]
  public var mean: Double

  enum CodingKeys: String, CodingKey {
    case parent, latent, children
    case perChild = "per_child"
    case mean
  }

  /// The parent-child pairs the patterns imply: c is a child of p when p fires in every
  /// pattern of weight > 0 where c fires, and p also fires without c (so features that always
  /// fire together are neither); parents in increasing order, each with its children.
  ///
  /// - Parameters: patterns: weighted patterns of features 0..<features.
  public static func hierarchy(_ patterns: [WeightedPattern], features: Int)
    -> [(parent: Int, children: [Int])]
  {
    var fires = [Bool](repeating: false, count: features)
    // implies[c][p]: p fires whenever c fires; alone[p][c]: p fires somewhere without c.
    var implies = [[Bool]](repeating: [Bool](repeating: true, count: features), count: features)
    var without = [[Bool]](repeating: [Bool](repeating: false, count: features), count: features)
    for pattern in patterns where pattern.weight > 0 {
      var on = [Bool](repeating: false, count: features)
      for f in pattern.active where f.magnitude != 0 { on[f.feature] = true }
      for c in 0..<features where on[c] {
        fires[c] = true
        for p in 0..<features where !on[p] { implies[c][p] = false }
        for other in 0..<features where !on[other] { without[c][other] = true }
      }
    }
    return (0..<features).compactMap { p in
      let children = (0..<features).filter { c in
        c != p && fires[c] && implies[c][p] && without[p][c]
      }
      return children.isEmpty ? nil : (p, children)
    }
  }
}

extension SAE {
  /// The absorption of `parent` by each of `children` over weighted patterns (see
  /// `Absorption`): the probability that the parent's latent is off when the child fires.
  ///
  ///     absorption_c = sum_{j: c in F_j, h_p(x_j) = 0} w_j / sum_{j: c in F_j} w_j
  ///
  /// - Parameters:
  ///   - parent: a feature in 0..<n; children: features in 0..<n.
  ///   - patterns: weighted patterns (weights >= 0; those of weight 0 do not count).
  ///   - basis: the features' directions (n rows of d); nil when d = n.
  public func absorption(
    parent: Int, children: [Int], patterns: [WeightedPattern], basis: [[Double]]? = nil
  ) -> Absorption {
    let reading = SAEReading(self, basis: basis)
    let cos = reading.decoderCos
    let tracking = reading.decoderLatents.indices.filter {
      reading.decoderLatents[$0].tracked == parent
    }
    let candidates = tracking.isEmpty ? Array(0..<latents) : tracking
    let latent = candidates.max {
      abs(cos[$0][parent]) < abs(cos[$1][parent])
        || (abs(cos[$0][parent]) == abs(cos[$1][parent]) && $0 > $1)
    }!
    var firing = [Double](repeating: 0, count: children.count)
    var off = [Double](repeating: 0, count: children.count)
    for pattern in patterns where pattern.weight > 0 {
      let present = children.map { c in
        pattern.active.contains { $0.feature == c && $0.magnitude != 0 }
      }
      guard present.contains(true) else { continue }
      let x = pattern.input(dimensions: dimensions, basis: basis)
      let silent = activations(x)[latent] == 0
      for (k, here) in present.enumerated() where here {
        firing[k] += pattern.weight
        if silent { off[k] += pattern.weight }
      }
    }
    let perChild = zip(off, firing).map { $1 > 0 ? $0 / $1 : 0 }
    return Absorption(
      parent: parent, latent: latent, children: children, perChild: perChild,
      mean: perChild.isEmpty ? 0 : perChild.reduce(0, +) / Double(perChild.count))
  }
}
