import Foundation
import ToyModels

/// An SAE's expected losses on a toy: exact over the patterns, or estimated from samples;
/// with SAELens's synthetic metrics (`SAESyntheticMetrics`) beside them.
///
///     mse = E|x - xhat|^2,  l2 = E|x - xhat|,  sparsity = E[sum_i h_i],  l0 = E[#{i : h_i != 0}]
///
/// JSON: `mse`, `l2`, `sparsity`, `l0`, `exact`, `samples`, for an estimate
/// `mse_standard_error`, `l2_standard_error`, `sparsity_standard_error` and
/// `l0_standard_error`, then the synthetic metrics' keys (`mcc`, `uniqueness`,
/// `explained_variance`, `shrinkage`, `dead_latents`, `true_l0`, `precision`, `recall`,
/// `f1`, `accuracy`) when computed.
public struct SAEMetrics: Sendable, Hashable, Encodable {
  /// The standard errors of an estimate's four means (`SAEEnsemble.standardError`).
  public struct StandardErrors: Sendable, Hashable {
    public var mse: Double
    public var l2: Double
    public var sparsity: Double
    public var l0: Double
  }

  public var mse: Double
  public var l2: Double
  public var sparsity: Double
  public var l0: Double
  /// True when computed exactly over every pattern; false when estimated from `samples`.
  public var exact: Bool
  /// The number of samples of an estimate; nil when exact.
  public var samples: Int?
  /// An estimate's standard errors (at least 2 samples); nil when exact.
  public var standardErrors: StandardErrors?
  /// SAELens's metrics over the same patterns or samples; nil when not computed.
  public var synthetic: SAESyntheticMetrics?

  public init(
    mse: Double, l2: Double, sparsity: Double, l0: Double, exact: Bool, samples: Int?,
    standardErrors: StandardErrors? = nil, synthetic: SAESyntheticMetrics? = nil
  ) {
    self.mse = mse
    self.l2 = l2
    self.sparsity = sparsity
    self.l0 = l0
    self.exact = exact
    self.samples = samples
    self.standardErrors = standardErrors
    self.synthetic = synthetic
  }

  /// How the values were had, for a report's text: "exact", or "estimated, 100000 samples,
  /// +- one standard error".
  public var how: String {
    exact ? "exact" : "estimated, \(samples ?? 0) samples, +- one standard error"
  }

  /// The four values by name, each with "+- its standard error" when estimated:
  /// `[("mse", "0.25 +- 0.001"), ...]`.
  public var named: [(name: String, text: String)] {
    let se = standardErrors
    return [("mse", mse, se?.mse), ("l2", l2, se?.l2), ("sparsity", sparsity, se?.sparsity),
      ("l0", l0, se?.l0)].map { name, value, error in
      (name, error.map { "\(value) +- \(String(format: "%.2g", $0))" } ?? "\(value)")
    }
  }

  enum CodingKeys: String, CodingKey {
    case mse, l2, sparsity, l0, exact, samples
    case mseStandardError = "mse_standard_error", l2StandardError = "l2_standard_error"
    case sparsityStandardError = "sparsity_standard_error", l0StandardError = "l0_standard_error"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(mse, forKey: .mse)
    try c.encode(l2, forKey: .l2)
    try c.encode(sparsity, forKey: .sparsity)
    try c.encode(l0, forKey: .l0)
    try c.encode(exact, forKey: .exact)
    try c.encodeIfPresent(samples, forKey: .samples)
    if let se = standardErrors {
      try c.encode(se.mse, forKey: .mseStandardError)
      try c.encode(se.l2, forKey: .l2StandardError)
      try c.encode(se.sparsity, forKey: .sparsityStandardError)
      try c.encode(se.l0, forKey: .l0StandardError)
    }
    try synthetic?.encode(to: encoder)
  }
}

extension SAE {
  /// The SAE's metrics on a toy (d = n): exact for an enumerable toy; for a correlated toy
  /// the mean over `samples` draws (the `RandomStream` seeded with `seed`).
  ///
  /// - Parameters: samples >= 1 (used only for a correlated toy); seed in 0...UInt32.max.
  /// - Parameters: basis: the features' directions (n rows of d) when d > n, else nil.
  /// - Throws: `FieldError` naming the first of mse, l2 and sparsity that is not finite (the
  ///   SAE's weights or the toy's magnitudes too large for a Double): every report of an
  ///   SAE's losses (`sae-loss`, `train`, `grow`) passes through here.
  public func metrics(
    on toy: ToyModel, basis: [[Double]]? = nil, samples: Int = 100_000, seed: UInt64 = 1,
    synthetic: Bool = true
  ) throws -> SAEMetrics {
    let m = estimatedMetrics(
      on: toy, basis: basis, samples: samples, seed: seed, synthetic: synthetic)
    for (name, value) in [("mse", m.mse), ("l2", m.l2), ("sparsity", m.sparsity)]
    where !value.isFinite {
      throw FieldError(
        field: name, value: "\(value)",
        reason: "is not finite: the SAE's weights or the toy's magnitudes are too large for a Double")
    }
    return m
  }

  /// `metrics`, finite or not.
  private func estimatedMetrics(
    on toy: ToyModel, basis: [[Double]]?, samples: Int, seed: UInt64, synthetic: Bool
  ) -> SAEMetrics {
    let n = toy.features.count
    switch toy.firing {
    case .enumerable(let patterns):
      let m = expectedMetrics(patterns, basis: basis)
      return SAEMetrics(
        mse: m.mse, l2: m.l2, sparsity: m.sparsity, l0: m.l0, exact: true, samples: nil,
        synthetic: synthetic
          ? SAESyntheticMetrics(self, patterns: patterns, features: n, basis: basis) : nil)
    case .correlated, .drawnMagnitudes:
      return metrics(
        on: SampleSet(toy.sampler()!, samples: samples, seed: seed), basis: basis,
        features: synthetic ? n : nil)
    }
  }

  /// The mean metrics over a sample set (each chunk's exact metrics over its patterns,
  /// weighted by the chunk's size) and their standard errors over the draws: what
  /// `metrics(on:)` reports for a correlated toy.
  /// With `features` (n), SAELens's metrics too, over every draw.
  public func metrics(on set: SampleSet, basis: [[Double]]? = nil, features: Int? = nil)
    -> SAEMetrics
  {
    let n = Double(set.samples)
    var sum = (mse: 0.0, l2: 0.0, sparsity: 0.0, l0: 0.0)
    // Every draw's pattern with its share of all the draws, for the standard errors.
    var each: [(mse: Double, l2: Double, sparsity: Double, l0: Double)] = []
    var shares: [Double] = []
    for chunk in set.chunks {
      let w = Double(chunk.size)
      let m = expectedMetrics(chunk.patterns, basis: basis) { p, one in
        each.append(one)
        shares.append(p.weight * w / n)
      }
      sum = (sum.mse + w * m.mse, sum.l2 + w * m.l2, sum.sparsity + w * m.sparsity, sum.l0 + w * m.l0)
    }
    var errors: SAEMetrics.StandardErrors?
    if set.samples >= 2 {
      func se(_ q: [Double]) -> Double {
        SAEEnsemble.standardError(q, weights: shares, samples: set.samples)
      }
      errors = .init(
        mse: se(each.map(\.mse)), l2: se(each.map(\.l2)), sparsity: se(each.map(\.sparsity)),
        l0: se(each.map(\.l0)))
    }
    return SAEMetrics(
      mse: sum.mse / n, l2: sum.l2 / n, sparsity: sum.sparsity / n, l0: sum.l0 / n,
      exact: false, samples: set.samples, standardErrors: errors,
      synthetic: features.map { SAESyntheticMetrics(self, patterns: set.draws, features: $0, basis: basis) })
  }
}

/// A fixed set of draws from a sampled toy, the samples an estimate averages over:
/// `samples` draws of the `RandomStream` seeded with `seed`, in chunks of at most 10,000,
/// each distinct pattern of a chunk weighted by its share of the chunk (count / chunk size).
/// The same (toy, samples, seed) gives the same set, so estimates at different SAEs compare.
public struct SampleSet: Sendable {
  public struct Chunk: Sendable {
    /// Draws in the chunk, in 1...10,000.
    public var size: Int
    /// Its distinct patterns, weights summing to 1.
    public var patterns: [WeightedPattern]
  }

  public var samples: Int
  public var chunks: [Chunk]

  /// Every chunk's patterns in one list, each weighted by its share of all the draws.
  public var draws: [WeightedPattern] {
    chunks.flatMap { chunk in
      chunk.patterns.map {
        WeightedPattern(weight: $0.weight * Double(chunk.size) / Double(samples), active: $0.active)
      }
    }
  }

  /// - Parameters: sampler: a sampled toy's (`ToyModel.sampler()`); samples >= 1; seed in
  ///   0...UInt32.max.
  public init(_ sampler: any FiringSampler, samples: Int, seed: UInt64) {
    let stream = RandomStream(seed: seed)
    let batch = PatternBatch()
    var chunks: [Chunk] = []
    var left = samples
    while left > 0 {
      let size = min(left, 10_000)
      sampler.draw(size, stream, into: batch)
      let drawn = (0..<batch.count).map { j in
        WeightedPattern(
          weight: batch.weights[j],
          active: (batch.offsets[j]..<batch.offsets[j + 1]).map {
            ActiveFeature(feature: Int(batch.features[$0]), magnitude: batch.magnitudes[$0])
          })
      }
      chunks.append(Chunk(size: size, patterns: drawn))
      left -= size
    }
    self.samples = samples
    self.chunks = chunks
  }

  /// Every chunk's patterns in one list, each weighted by its share of all the samples:
  /// an expectation over them is the set's mean (rounding aside).
  public var patterns: [WeightedPattern] {
    let n = Double(samples)
    return chunks.flatMap { c in
      c.patterns.map { WeightedPattern(weight: $0.weight * Double(c.size) / n, active: $0.active) }
    }
  }
}

/// What a trained (or given) SAE says about hedging on a toy: the report `train --json` prints.
///
/// JSON keys: `case`, `decoder_cos` and `encoder_cos` (latents x features),
/// `decoder_bias` (per feature), `decoder_latents` and `encoder_latents` (per latent: the
/// tracked feature, its cosine, the largest off-target |cos|, the hedging mass), `metrics`.
public struct SAEReport: Sendable, Hashable, Encodable {
  /// One latent's reading of one matrix, with the tracked feature named.
  public struct Latent: Sendable, Hashable, Encodable {
    public var latent: Int
    public var tracks: String
    public var cos: Double
    public var offTarget: Double
    public var hedgingMass: Double
    /// Decoder latents: as a detector of its best-matching feature (SAELens's
    /// classification metrics); nil for encoder latents.
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var accuracy: Double?

    enum CodingKeys: String, CodingKey {
      case latent, tracks, cos, offTarget = "off_target", hedgingMass = "hedging_mass"
      case precision, recall, f1, accuracy
    }
  }

  /// One expectation of the case, with the value found.
  public struct Check: Sendable, Hashable, Encodable {
    public var quantity: String
    public var value: Double
    public var min: Double?
    public var max: Double?
    public var holds: Bool

    public init(quantity: String, value: Double, min: Double?, max: Double?, holds: Bool) {
      self.quantity = quantity
      self.value = value
      self.min = min
      self.max = max
      self.holds = holds
    }
  }

  public var name: String
  public var features: [String]
  public var decoderCos: [[Double]]
  public var encoderCos: [[Double]]
  public var decoderBias: [Double]
  public var decoderLatents: [Latent]
  public var encoderLatents: [Latent]
  public var metrics: SAEMetrics
  public var checks: [Check]

  enum CodingKeys: String, CodingKey {
    case name = "case", features, decoderCos = "decoder_cos", encoderCos = "encoder_cos"
    case decoderBias = "decoder_bias", decoderLatents = "decoder_latents"
    case encoderLatents = "encoder_latents", metrics, checks
  }

  /// The report of `sae` on `saeCase`'s toy; its expectations checked.
  ///
  /// - Throws: `FieldError` when a loss is not finite (`SAE.metrics`).
  ///
  /// - Parameters: samples >= 1, the estimate's size on a correlated toy; seed for it.
  /// - Parameters: basis: the features' directions (n rows of d) when the SAE has d > n
  ///   dimensions, else nil.
  public init(
    _ sae: SAE, saeCase: SAECase, basis: [[Double]]? = nil, samples: Int = 100_000,
    seed: UInt64 = 1
  ) throws {
    let reading = SAEReading(sae, basis: basis)
    let metrics = try sae.metrics(on: saeCase.toy, basis: basis, samples: samples, seed: seed)
    func latents(_ rows: [SAEReading.Latent]) -> [Latent] {
      rows.enumerated().map { i, r in
        Latent(
          latent: i, tracks: saeCase.features[r.tracked], cos: r.cosine, offTarget: r.offTarget,
          hedgingMass: r.hedgingMass)
      }
    }
    name = saeCase.name
    features = saeCase.features
    decoderCos = reading.decoderCos
    encoderCos = reading.encoderCos
    decoderBias = reading.decoderBias
    decoderLatents = latents(reading.decoderLatents)
    for (i, d) in (metrics.synthetic?.detectors ?? []).enumerated() {
      decoderLatents[i].precision = d.precision
      decoderLatents[i].recall = d.recall
      decoderLatents[i].f1 = d.f1
      decoderLatents[i].accuracy = d.accuracy
    }
    encoderLatents = latents(reading.encoderLatents)
    self.metrics = metrics
    checks = saeCase.expectations.map { e in
      let v = e.value(reading, mse: metrics.mse, l2: metrics.l2)
      return Check(
        quantity: e.describe(features: saeCase.features), value: v, min: e.min, max: e.max,
        holds: e.holds(for: v))
    }
  }

  /// True when every expectation holds.
  public var passed: Bool { checks.allSatisfy(\.holds) }
}
