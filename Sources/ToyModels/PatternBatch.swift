/// The distinct firing patterns of one batch with their weights, in buffers reused from batch to
/// batch.
///
/// Pattern p has weight `weights[p]` (its count / B for a drawn batch, its probability for the
/// exact distribution) and fires `features[offsets[p]..<offsets[p + 1]]` (increasing) with the
/// matching `magnitudes`. Buffers grow when needed and are never shrunk.
public final class PatternBatch {
  /// Number of distinct patterns.
  @exclusivity(unchecked) public private(set) var count = 0
  /// Number of samples drawn (0 for the exact distribution).
  @exclusivity(unchecked) public internal(set) var samples = 0
  @exclusivity(unchecked) public private(set) var weights: UnsafeMutablePointer<Double>
  /// count + 1 offsets into `features` and `magnitudes`.
  @exclusivity(unchecked) public private(set) var offsets: UnsafeMutablePointer<Int>
  @exclusivity(unchecked) public private(set) var features: UnsafeMutablePointer<Int32>
  @exclusivity(unchecked) public private(set) var magnitudes: UnsafeMutablePointer<Double>
  private var patternCapacity = 64
  private var featureCapacity = 256

  public init() {
    weights = .allocate(capacity: patternCapacity)
    offsets = .allocate(capacity: patternCapacity + 1)
    offsets[0] = 0
    features = .allocate(capacity: featureCapacity)
    magnitudes = .allocate(capacity: featureCapacity)
  }

  deinit {
    weights.deallocate()
    offsets.deallocate()
    features.deallocate()
    magnitudes.deallocate()
  }

  /// Empties the batch (keeps the buffers).
  public func removeAll() {
    count = 0
    samples = 0
  }

  /// Appends a pattern whose features are added by `fill` (at most `features` of them).
  @inline(__always) func append(
    weight: Double, features most: Int,
    _ fill: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Double>) -> Int
  ) {
    if count == patternCapacity { growPatterns() }
    let start = offsets[count]
    if start + most > featureCapacity { growFeatures(start + most) }
    let added = fill(features + start, magnitudes + start)
    weights[count] = weight
    count += 1
    offsets[count] = start + added
  }

  /// Appends a pattern given as a list of active features.
  public func append(weight: Double, active: [ActiveFeature]) {
    append(weight: weight, features: active.count) { f, m in
      for (i, a) in active.enumerated() {
        f[i] = Int32(a.feature)
        m[i] = a.magnitude
      }
      return active.count
    }
  }

  /// The batch as weighted patterns (for tests and small uses).
  public var patterns: [WeightedPattern] {
    (0..<count).map { p in
      WeightedPattern(
        weight: weights[p],
        active: (offsets[p]..<offsets[p + 1]).map {
          ActiveFeature(feature: Int(features[$0]), magnitude: magnitudes[$0])
        })
    }
  }

  private func growPatterns() {
    let capacity = 2 * patternCapacity
    let w = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
    let o = UnsafeMutablePointer<Int>.allocate(capacity: capacity + 1)
    w.update(from: weights, count: count)
    o.update(from: offsets, count: count + 1)
    weights.deallocate()
    offsets.deallocate()
    weights = w
    offsets = o
    patternCapacity = capacity
  }

  private func growFeatures(_ needed: Int) {
    var capacity = 2 * featureCapacity
    while capacity < needed { capacity *= 2 }
    let f = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let m = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
    f.update(from: features, count: offsets[count])
    m.update(from: magnitudes, count: offsets[count])
    features.deallocate()
    magnitudes.deallocate()
    features = f
    magnitudes = m
    featureCapacity = capacity
  }
}

/// Walker's alias table (Vose's construction) over K weights: O(1) draws.
///
/// A draw takes a column uniformly (Lemire's multiply-shift with rejection, so exactly uniform)
/// and keeps it when a second word is below its share, else takes its alias: P(i) is w_i / sum w
/// up to the 2^-32 resolution of the share.
struct AliasTable {
  let size: UInt32
  /// Column i is kept when a word is below share[i] (2^32 keeps always).
  private let share: [UInt64]
  private let alias: [Int32]

  /// - Parameter weights: non-negative, not all 0, at most 2^31 of them.
  init(_ weights: [Double]) {
    let k = weights.count
    let total = weights.reduce(0, +)
    var scaled = weights.map { $0 / total * Double(k) }
    var share = [UInt64](repeating: 1 << 32, count: k)
    var alias = (0..<k).map { Int32($0) }
    var small = (0..<k).filter { scaled[$0] < 1 }
    var large = (0..<k).filter { scaled[$0] >= 1 }
    // Columns left over by rounding (either list) keep their share of 2^32: always kept.
    while let s = small.popLast(), let l = large.last {
      share[s] = UInt64((scaled[s] * 0x1p32).rounded())
      alias[s] = Int32(l)
      scaled[l] -= 1 - scaled[s]
      if scaled[l] < 1 {
        large.removeLast()
        small.append(l)
      }
    }
    self.size = UInt32(k)
    self.share = share
    self.alias = alias
  }

  /// One index drawn from `stream`.
  @inline(__always) func draw(_ stream: RandomStream) -> Int {
    var m = UInt64(stream.next()) &* UInt64(size)
    if UInt32(truncatingIfNeeded: m) < size {
      let floor = (0 &- size) % size
      while UInt32(truncatingIfNeeded: m) < floor { m = UInt64(stream.next()) &* UInt64(size) }
    }
    let column = Int(m >> 32)
    return UInt64(stream.next()) < share[column] ? column : Int(alias[column])
  }
}

/// An enumerated firing distribution that draws batches: exact, counts or samples.
public final class PatternDistribution {
  private let patterns: [WeightedPattern]
  /// The patterns' features and magnitudes, pattern j at offsets[j]..<offsets[j + 1].
  private let offsets: [Int]
  private let features: [Int32]
  private let magnitudes: [Double]
  /// Pattern indices by decreasing probability (ties: lower index first).
  private let order: [Int]
  /// suffixMass[i] = sum of the probabilities of order[i...].
  private let suffixMass: [Double]
  /// The first `head` patterns of `order` get a binomial each in `drawCounts`.
  private let head: Int
  /// Over the patterns after the head (nil when there are none).
  private let tail: AliasTable?
  /// Over every pattern (for `drawSamples`).
  private let all: AliasTable
  /// Scratch for drawing: counts per pattern (all 0 between draws) and the patterns touched,
  /// in buffers of their own (no copy-on-write or exclusivity checks per draw).
  private let counts: UnsafeMutablePointer<UInt32>
  private let touched: UnsafeMutablePointer<Int>

  /// - Parameters:
  ///   - patterns: the toy's patterns; those of weight 0 are never drawn; at least one > 0.
  ///   - batch: the batch size B the draws will use (it sets the head of `drawCounts`).
  public init(_ patterns: [WeightedPattern], batch: Int) {
    let kept = patterns.filter { $0.weight > 0 }
    precondition(!kept.isEmpty, "a distribution needs a pattern of positive probability")
    self.patterns = kept
    var offsets = [0]
    for p in kept { offsets.append(offsets.last! + p.active.count) }
    self.offsets = offsets
    features = kept.flatMap { $0.active.map { Int32($0.feature) } }
    magnitudes = kept.flatMap { $0.active.map(\.magnitude) }
    order = kept.indices.sorted {
      kept[$0].weight > kept[$1].weight || (kept[$0].weight == kept[$1].weight && $0 < $1)
    }
    var suffix = [Double](repeating: 0, count: kept.count + 1)
    for i in stride(from: kept.count - 1, through: 0, by: -1) {
      suffix[i] = kept[order[i]].weight + suffix[i + 1]
    }
    suffixMass = suffix
    // A binomial costs about as much as 8 alias draws: above p = 8 / B it is the cheaper way.
    let cut = 8 / Double(max(batch, 1))
    head = order.prefix { kept[$0].weight >= cut }.count
    tail = head < kept.count ? AliasTable(order[head...].map { kept[$0].weight }) : nil
    all = AliasTable(kept.map(\.weight))
    counts = .allocate(capacity: kept.count)
    counts.initialize(repeating: 0, count: kept.count)
    touched = .allocate(capacity: kept.count)
  }

  deinit {
    counts.deallocate()
    touched.deallocate()
  }

  /// Number of patterns of positive probability.
  public var patternCount: Int { patterns.count }

  /// Every pattern with its probability as weight.
  public func drawExact(into batch: PatternBatch) {
    batch.removeAll()
    for p in patterns { batch.append(weight: p.weight, active: p.active) }
  }

  /// A multinomial draw of the counts of B samples, as weights count / B.
  ///
  /// Exactly the multinomial: the head patterns (probability >= 8 / B) get, in turn, the
  /// binomial of the samples left with their probability given the patterns left
  /// (`gsl_ran_binomial`); the samples left after the head are drawn one by one from the rest of
  /// the distribution (an alias table), whose counts are then multinomial too.
  public func drawCounts(_ samples: Int, _ stream: RandomStream, into batch: PatternBatch) {
    var left = UInt32(samples)
    var touchedCount = 0
    var i = 0
    while i < head && left > 0 {
      let ratio = min(1, patterns[order[i]].weight / suffixMass[i])
      let c = stream.binomial(left, ratio)
      if c > 0 {
        counts[order[i]] = c
        touched[touchedCount] = order[i]
        touchedCount += 1
        left -= c
      }
      i += 1
    }
    if left > 0, let tail {
      for _ in 0..<left {
        let j = order[head + tail.draw(stream)]
        if counts[j] == 0 {
          touched[touchedCount] = j
          touchedCount += 1
        }
        counts[j] += 1
      }
    }
    emit(samples, touchedCount, into: batch)
  }

  /// B samples drawn one by one (an alias table), as weights count / B.
  public func drawSamples(_ samples: Int, _ stream: RandomStream, into batch: PatternBatch) {
    var touchedCount = 0
    for _ in 0..<samples {
      let j = all.draw(stream)
      if counts[j] == 0 {
        touched[touchedCount] = j
        touchedCount += 1
      }
      counts[j] += 1
    }
    emit(samples, touchedCount, into: batch)
  }

  /// B samples drawn one by one (an alias table), each with its magnitudes drawn: after its
  /// pattern, one gaussian from `stream` per firing feature whose std is above 0 (in feature
  /// order), the magnitude `drawn.magnitude(f, gaussian:)`. Each sample is its own pattern of
  /// weight 1 / B (no two merged); a magnitude of 0 (relu) leaves its feature out.
  public func drawSamples(
    _ samples: Int, _ stream: RandomStream, magnitudes drawn: MagnitudeDistribution,
    into batch: PatternBatch
  ) {
    batch.removeAll()
    let weight = 1 / Double(samples)
    for _ in 0..<samples {
      let j = all.draw(stream)
      let start = offsets[j]
      let count = offsets[j + 1] - start
      batch.append(weight: weight, features: count) { f, m in
        var k = 0
        for e in start..<(start + count) {
          let feature = Int(features[e])
          let x =
            drawn.stds[feature] > 0
            ? drawn.magnitude(feature, gaussian: stream.gaussian()) : magnitudes[e]
          guard x != 0 else { continue }
          f[k] = features[e]
          m[k] = x
          k += 1
        }
        return k
      }
    }
    batch.samples = samples
  }

  /// The first `touchedCount` patterns of `touched` into the batch with their counts / B; the
  /// counts back to 0.
  private func emit(_ samples: Int, _ touchedCount: Int, into batch: PatternBatch) {
    batch.removeAll()
    let b = Double(samples)
    features.withUnsafeBufferPointer { f in
      magnitudes.withUnsafeBufferPointer { m in
        for t in 0..<touchedCount {
          let j = touched[t]
          let start = offsets[j]
          let count = offsets[j + 1] - start
          batch.append(weight: Double(counts[j]) / b, features: count) { bf, bm in
            bf.update(from: f.baseAddress! + start, count: count)
            bm.update(from: m.baseAddress! + start, count: count)
            return count
          }
          counts[j] = 0
        }
      }
    }
    batch.samples = samples
  }
}
