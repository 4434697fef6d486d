import _CGSL

/// Correlated gaussian thresholds: feature i fires when z_i > Phi^-1(1 - p_i), z ~ N(0, C).
///
/// z = L g with L the Cholesky factor of the correlation matrix C (GSL) and g standard normal.
/// The orthant probabilities have no closed form, so this toy is sampled, never enumerated.
public struct CorrelatedFiring: Sendable, Hashable {
  /// P(feature i fires), each in (0, 1).
  public let probabilities: [Double]
  /// Magnitude of each feature when it fires: the mean of `magnitudeDistribution`.
  public let magnitudes: [Double]
  /// How the magnitudes are drawn (fixed at `magnitudes` unless a std is above 0).
  public let magnitudeDistribution: MagnitudeDistribution
  /// The correlation matrix C (n x n, symmetric, unit diagonal, positive definite).
  public let correlation: [[Double]]
  /// Phi^-1(1 - p_i): feature i fires where z_i exceeds it.
  public let thresholds: [Double]
  /// The lower Cholesky factor of C, row-major n x n.
  public let cholesky: [Double]

  /// - Throws: `FieldError` if the sizes differ, a probability is not in (0, 1), or C is not
  ///   a symmetric positive definite matrix with unit diagonal.
  public init(probabilities: [Double], magnitudes: [Double]? = nil, correlation: [[Double]]) throws
  {
    try self.init(
      probabilities: probabilities,
      magnitudes: MagnitudeDistribution(
        fixed: magnitudes ?? [Double](repeating: 1, count: probabilities.count)),
      correlation: correlation)
  }

  /// The same with drawn magnitudes: each firing feature's magnitude from `magnitudes`.
  /// - Throws: as above; `FieldError` naming `magnitudes` if it has not one mean per feature.
  public init(
    probabilities: [Double], magnitudes distribution: MagnitudeDistribution,
    correlation: [[Double]]
  ) throws {
    let n = probabilities.count
    let mags = distribution.means
    guard mags.count == n else {
      throw FieldError(
        field: "magnitudes", value: "", reason: "\(mags.count) values for \(n) features")
    }
    guard correlation.count == n, correlation.allSatisfy({ $0.count == n }) else {
      throw FieldError(field: "correlation", value: "", reason: "not an \(n) x \(n) matrix")
    }
    for (i, p) in probabilities.enumerated() where !(p > 0 && p < 1) {
      throw FieldError(field: "probabilities[\(i)]", value: "\(p)", reason: "is not in (0, 1)")
    }
    for i in 0..<n {
      guard abs(correlation[i][i] - 1) <= 1e-12 else {
        throw FieldError(
          field: "correlation[\(i)][\(i)]", value: "\(correlation[i][i])", reason: "is not 1")
      }
      for j in 0..<i where abs(correlation[i][j] - correlation[j][i]) > 1e-12 {
        throw FieldError(
          field: "correlation[\(i)][\(j)]", value: "\(correlation[i][j])",
          reason: "is not symmetric")
      }
    }
    guard let l = Self.choleskyFactor(correlation) else {
      throw FieldError(
        field: "correlation", value: "", reason: "the matrix is not positive definite")
    }
    self.probabilities = probabilities
    self.magnitudes = mags
    self.magnitudeDistribution = distribution
    self.correlation = correlation
    self.cholesky = l
    self.thresholds = probabilities.map { gsl_cdf_ugaussian_Pinv(1 - $0) }
  }

  /// The same features with their correlations scaled: C' = I + s (C - I).
  ///
  /// C' = (1 - s) I + s C is positive definite for s in [0, 1] (a convex combination), so a
  /// correlation strength of the paper's generated matrices (C_ij = strength cos_ij) becomes
  /// s strength.
  /// - Parameter s: in [0, 1].
  public func scaled(by s: Double) -> CorrelatedFiring {
    precondition(s >= 0 && s <= 1, "scale in [0, 1]")
    let c = correlation.indices.map { i in
      correlation[i].indices.map { j in i == j ? 1 : s * correlation[i][j] }
    }
    // Positive definite by construction.
    return try! CorrelatedFiring(
      probabilities: probabilities, magnitudes: magnitudeDistribution, correlation: c)
  }

  /// The lower Cholesky factor (row-major), or nil if C is not positive definite.
  static func choleskyFactor(_ c: [[Double]]) -> [Double]? {
    _ = gsl_set_error_handler_off()
    let n = c.count
    guard n > 0, let m = gsl_matrix_alloc(n, n) else { return n == 0 ? [] : nil }
    defer { gsl_matrix_free(m) }
    for i in 0..<n { for j in 0..<n { gsl_matrix_set(m, i, j, c[i][j]) } }
    guard gsl_linalg_cholesky_decomp1(m) == GSL_SUCCESS else { return nil }
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0...i { l[i * n + j] = gsl_matrix_get(m, i, j) } }
    return l
  }

  /// A random correlation matrix with the paper's structure, from a seed.
  ///
  /// The first `main` features are uncorrelated with each other; every other pair is correlated:
  /// C_ij = strength * (a_i . a_j) / (|a_i| |a_j|) with rows a_i of a standard-normal n x n
  /// matrix (GSL MT19937 seeded with `seed`). If C is not positive definite the off-diagonal
  /// entries are halved until it is.
  /// - Parameters: n >= 1; main in 0...n; strength in [0, 1].
  public static func randomCorrelation(features n: Int, main: Int, strength: Double, seed: UInt64)
    -> [[Double]]
  {
    _ = gsl_set_error_handler_off()
    guard let rng = gsl_rng_alloc(hl_rng_mt19937()) else { fatalError("gsl_rng_alloc failed") }
    defer { gsl_rng_free(rng) }
    gsl_rng_set(rng, UInt(seed))
    var a = [[Double]](repeating: [], count: n)
    for i in 0..<n {
      a[i] = (0..<n).map { _ in gsl_ran_gaussian_ziggurat(rng, 1) }
      let norm = dot(a[i], a[i]).squareRoot()
      a[i] = a[i].map { $0 / norm }
    }
    var scale = strength
    while true {
      var c = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
      for i in 0..<n {
        c[i][i] = 1
        for j in 0..<i where !(i < main && j < main) {
          let v = scale * dot(a[i], a[j])
          c[i][j] = v
          c[j][i] = v
        }
      }
      if choleskyFactor(c) != nil { return c }
      scale /= 2
    }
  }

  /// Draws batches of samples into `PatternBatch`es, equal samples merged into one weighted
  /// pattern; owns its scratch buffers.
  ///
  /// A sample draws n standard normals g (`RandomStream.gaussian`), z = L g, and fires feature i
  /// where z_i > thresholds[i]. Samples are drawn in blocks of 128, the block's gaussians feature
  /// by feature (feature 0 of every sample, then feature 1, ...).
  /// With drawn magnitudes (`MagnitudeDistribution`, some std > 0) no two samples are merged:
  /// after a block's firing, each sample in turn draws one more gaussian per firing feature
  /// whose std is above 0 (in feature order) for its magnitude, and is appended alone with
  /// weight 1 / samples; a feature whose magnitude comes out 0 (relu) is left out.
  public final class Sampler {
    /// Samples drawn together: their gaussians are laid out feature by feature, so z = L g runs
    /// over samples in the innermost loop.
    private static let block = 128
    private let n: Int
    /// 64-bit words per firing mask.
    private let words: Int
    private let thresholds: [Double]
    private let magnitudes: [Double]
    /// The magnitudes' distribution when they are drawn; nil when fixed.
    private let drawn: MagnitudeDistribution?
    /// Row i of L as (column, value) for the nonzero entries (the paper's uncorrelated main
    /// features have rows with only their diagonal).
    private let rowStart: [Int]
    private let rowColumn: [Int]
    private let rowValue: [Double]
    private let gaussians: UnsafeMutablePointer<Double>
    private let z: UnsafeMutablePointer<Double>
    /// The block's firing masks.
    private let masks: UnsafeMutablePointer<UInt64>
    /// Distinct masks of the batch and their counts; an open-addressing table of their slots.
    private var distinct: UnsafeMutablePointer<UInt64>
    private var counts: UnsafeMutablePointer<UInt32>
    private var table: UnsafeMutablePointer<Int32>
    private var capacity = 0
    private var tableMask = 0

    public init(_ firing: CorrelatedFiring) {
      n = firing.probabilities.count
      words = (n + 63) / 64
      thresholds = firing.thresholds
      magnitudes = firing.magnitudes
      drawn = firing.magnitudeDistribution.isFixed ? nil : firing.magnitudeDistribution
      var start = [0]
      var column: [Int] = []
      var value: [Double] = []
      for i in 0..<n {
        for j in 0...i where firing.cholesky[i * n + j] != 0 {
          column.append(j)
          value.append(firing.cholesky[i * n + j])
        }
        start.append(column.count)
      }
      rowStart = start
      rowColumn = column
      rowValue = value
      gaussians = .allocate(capacity: n * Self.block)
      z = .allocate(capacity: Self.block)
      masks = .allocate(capacity: words * Self.block)
      distinct = .allocate(capacity: 0)
      counts = .allocate(capacity: 0)
      table = .allocate(capacity: 0)
    }

    deinit {
      gaussians.deallocate()
      z.deallocate()
      masks.deallocate()
      distinct.deallocate()
      counts.deallocate()
      table.deallocate()
    }

    /// The most distinct masks the table holds before it first grows: a batch of many
    /// samples holds far fewer distinct masks, so room is taken as they come, not per sample.
    static let initialCapacity = 1 << 16

    /// Room for `samples` distinct masks: the distinct list and counts, and a table of twice
    /// as many slots. Kept masks are copied and the table rebuilt.
    private func reserve(_ samples: Int, keeping found: Int = 0) {
      guard samples > capacity else { return }
      let newDistinct = UnsafeMutablePointer<UInt64>.allocate(capacity: words * samples)
      let newCounts = UnsafeMutablePointer<UInt32>.allocate(capacity: samples)
      newDistinct.update(from: distinct, count: words * found)
      newCounts.update(from: counts, count: found)
      distinct.deallocate()
      counts.deallocate()
      table.deallocate()
      distinct = newDistinct
      counts = newCounts
      capacity = samples
      var size = 16
      while size < 2 * samples { size *= 2 }
      table = .allocate(capacity: size)
      tableMask = size - 1
      table.update(repeating: -1, count: size)
      for e in 0..<found { table[slot(of: distinct + e * words)] = Int32(e) }
    }

    /// The table slot of `key`: its own, or the first empty one after its hash.
    @inline(__always) private func slot(of key: UnsafeMutablePointer<UInt64>) -> Int {
      var h: UInt64 = 0x9E37_79B9_7F4A_7C15
      for w in 0..<words { h = (h ^ key[w]) &* 0xBF58_476D_1CE4_E5B9 }
      var slot = Int(truncatingIfNeeded: h >> 32) & tableMask
      while true {
        let e = Int(table[slot])
        if e < 0 { return slot }
        let known = distinct + e * words
        var same = true
        for w in 0..<words where known[w] != key[w] { same = false }
        if same { return slot }
        slot = (slot + 1) & tableMask
      }
    }

    /// Counts one sample's mask in the table; returns the number of distinct masks so far.
    @inline(__always) private func count(_ key: UnsafeMutablePointer<UInt64>, _ found: Int) -> Int {
      let slot = slot(of: key)
      let e = Int(table[slot])
      if e >= 0 {
        counts[e] += 1
        return found
      }
      if found == capacity {
        reserve(2 * capacity, keeping: found)
        return count(key, found)
      }
      table[slot] = Int32(found)
      (distinct + found * words).update(from: key, count: words)
      counts[found] = 1
      return found + 1
    }

    /// `samples` samples drawn from `stream`; the batch gets each distinct firing pattern once,
    /// in the order first drawn, with weight count / samples.
    public func draw(_ samples: Int, _ stream: RandomStream, into batch: PatternBatch) {
      if drawn != nil { batch.removeAll() }
      reserve(min(samples, Self.initialCapacity))
      table.update(repeating: -1, count: tableMask + 1)
      var found = 0
      var done = 0
      let b = Self.block
      while done < samples {
        let m = min(b, samples - done)
        for j in 0..<n { stream.fillGaussians(gaussians + j * b, count: m) }
        masks.update(repeating: 0, count: words * m)
        for i in 0..<n {
          z.update(repeating: 0, count: m)
          for e in rowStart[i]..<rowStart[i + 1] {
            let l = rowValue[e]
            let g = gaussians + rowColumn[e] * b
            for s in 0..<m { z[s] += l * g[s] }
          }
          let t = thresholds[i]
          let bit = UInt64(1) << UInt64(i & 63)
          let word = masks + (i >> 6)
          for s in 0..<m { word[s &* words] |= z[s] > t ? bit : 0 }
        }
        if let drawn {
          appendDrawn(masks, m, drawn, samples, stream, batch)
        } else {
          for s in 0..<m { found = count(masks + s * words, found) }
        }
        done += m
      }
      if drawn != nil {
        batch.samples = samples
        return
      }
      batch.removeAll()
      let total = Double(samples)
      for e in 0..<found {
        batch.append(weight: Double(counts[e]) / total, features: n) { f, mag in
          var k = 0
          for w in 0..<words {
            var bits = distinct[e * words + w]
            while bits != 0 {
              let i = w * 64 + bits.trailingZeroBitCount
              f[k] = Int32(i)
              mag[k] = magnitudes[i]
              k += 1
              bits &= bits - 1
            }
          }
          return k
        }
      }
      batch.samples = samples
    }

    /// Appends the block's `m` samples one by one, each with its magnitudes drawn from
    /// `stream`: sample by sample, a gaussian per firing feature with std > 0.
    private func appendDrawn(
      _ masks: UnsafeMutablePointer<UInt64>, _ m: Int, _ drawn: MagnitudeDistribution,
      _ samples: Int, _ stream: RandomStream, _ batch: PatternBatch
    ) {
      let weight = 1 / Double(samples)
      for s in 0..<m {
        batch.append(weight: weight, features: n) { f, mag in
          var k = 0
          for w in 0..<words {
            var bits = masks[s * words + w]
            while bits != 0 {
              let i = w * 64 + bits.trailingZeroBitCount
              bits &= bits - 1
              let x = drawn.stds[i] > 0 ? drawn.magnitude(i, gaussian: stream.gaussian()) : magnitudes[i]
              guard x != 0 else { continue }
              f[k] = Int32(i)
              mag[k] = x
              k += 1
            }
          }
          return k
        }
      }
    }
  }
}
