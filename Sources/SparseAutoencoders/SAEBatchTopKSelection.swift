/// BatchTopK's choice of the activations a batch keeps, in buffers of one allocation that grows
/// with the batch (never shrinks).
///
/// Of the positive pre-activations a_ji of the batch's P patterns, each pattern j counted w_j B
/// times, the kept ones are the largest, taking weight top * sum_j w_j: the shortest prefix of
/// the order a_ji decreasing (ties by pattern then latent) whose weight reaches that budget.
/// The last one may be kept for only part of its pattern's weight (the split).
final class SAEBatchTopKSelection {
  /// Every pattern's pre-activations, P k (pattern p's at p k), written by the caller after
  /// `reserve`.
  @exclusivity(unchecked) private(set) var preactivations: UnsafeMutablePointer<Double>
  /// Whether a_ji is kept, P k, written by `select` (the split one: false).
  @exclusivity(unchecked) private(set) var kept: UnsafeMutablePointer<Bool>
  /// The smallest activation kept by the last selection (nil if none was positive).
  @exclusivity(unchecked) private(set) var smallestKept: Double?
  /// The candidates (a_ji > 0) by value, and by key j k + i.
  @exclusivity(unchecked) private var candidateValue: UnsafeMutablePointer<Double>
  @exclusivity(unchecked) private var candidateKey: UnsafeMutablePointer<Int>
  @exclusivity(unchecked) private var capacity = 0
  @exclusivity(unchecked) private var workspace: Workspace

  init() {
    (workspace, (preactivations, kept, candidateValue, candidateKey)) = Self.buffers(0)
  }

  private static func buffers(_ entries: Int) -> (
    Workspace,
    (
      UnsafeMutablePointer<Double>, UnsafeMutablePointer<Bool>, UnsafeMutablePointer<Double>,
      UnsafeMutablePointer<Int>
    )
  ) {
    Workspace.carve { c in (c.take(entries), c.take(entries), c.take(entries), c.take(entries)) }
  }

  /// Room for `patterns` patterns of k latents.
  func reserve(patterns: Int, latents k: Int) {
    let entries = patterns * k
    guard entries > capacity else { return }
    capacity = max(entries, 2 * capacity)
    (workspace, (preactivations, kept, candidateValue, candidateKey)) = Self.buffers(capacity)
  }

  /// Chooses the kept activations of `preactivations` into `kept` and `smallestKept`.
  ///
  /// - Parameters:
  ///   - top: k of BatchTopK, the activations kept per pattern on average.
  ///   - weights: the patterns' weights w_j.
  /// - Returns: the split, the key j k + i of an activation kept for `weight` < w_j only; nil
  ///   when every kept one is kept whole.
  func select(
    patterns: Int, latents k: Int, top: Int, weights: UnsafeMutablePointer<Double>
  ) -> (key: Int, weight: Double)? {
    var candidates = 0
    var total = 0.0
    for p in 0..<patterns {
      let ap = preactivations + p * k
      total += weights[p]
      for i in 0..<k where ap[i] > 0 {
        candidateValue[candidates] = ap[i]
        candidateKey[candidates] = p * k + i
        candidates += 1
      }
    }
    let boundary = orderKept(candidates, latents: k, budget: Double(top) * total, weights)
    kept.update(repeating: false, count: patterns * k)
    for e in 0..<boundary.index { kept[candidateKey[e]] = true }
    var split: (key: Int, weight: Double)? = nil
    if boundary.index < candidates {
      let key = candidateKey[boundary.index]
      if boundary.weight < weights[key / k] {
        split = (key, boundary.weight)
      } else {
        kept[key] = true
      }
      smallestKept = candidateValue[boundary.index]
    } else {
      smallestKept = candidates > 0 ? (0..<candidates).map { candidateValue[$0] }.min() : nil
    }
    return split
  }

  /// Orders the candidates so that those kept come first: returns the index of the last one
  /// kept (`count` if all fit) and the weight it is kept for.
  ///
  /// A weighted quickselect (median of three pivots): O(count) on average.
  private func orderKept(
    _ count: Int, latents k: Int, budget: Double, _ weights: UnsafeMutablePointer<Double>
  ) -> (index: Int, weight: Double) {
    let value = candidateValue
    let key = candidateKey
    @inline(__always) func before(_ s: Int, _ t: Int) -> Bool {
      value[s] > value[t] || (value[s] == value[t] && key[s] < key[t])
    }
    @inline(__always) func swapAt(_ s: Int, _ t: Int) {
      (value[s], value[t]) = (value[t], value[s])
      (key[s], key[t]) = (key[t], key[s])
    }
    var lo = 0
    var hi = count
    var taken = 0.0
    while lo < hi {
      let mid = lo + (hi - lo) / 2
      let last = hi - 1
      // Median of lo, mid, last to `last`.
      if before(mid, lo) { swapAt(mid, lo) }
      if before(last, lo) { swapAt(last, lo) }
      if before(mid, last) { swapAt(mid, last) }
      var store = lo
      var ahead = 0.0
      for e in lo..<last where before(e, last) {
        swapAt(e, store)
        ahead += weights[key[store] / k]
        store += 1
      }
      swapAt(store, last)
      if taken + ahead >= budget {
        hi = store
        continue
      }
      let w = weights[key[store] / k]
      if taken + ahead + w >= budget { return (store, budget - taken - ahead) }
      taken += ahead + w
      lo = store + 1
    }
    return (count, 0)
  }
}
