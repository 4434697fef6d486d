import ToyModels
import _CGSL

/// The shape of an SAE to train: latents, tying, activation and Matryoshka prefixes.
public struct SAEArchitecture: Sendable, Hashable {
  /// The activation's kind, as a case file names it (`SAE.Activation` is the activation
  /// itself, with its k and threshold); batchtopk's threshold is fitted in training.
  public enum ActivationKind: String, Sendable, Hashable, CaseIterable {
    case relu
    case topk
    case batchtopk
  }

  /// Number of latents k, >= 1.
  public var latents: Int
  public var tied: Bool
  public var activation: ActivationKind
  /// topk and batchtopk: how many latents fire, in 1...latents.
  public var topK: Int?
  /// Matryoshka prefix lengths, strictly increasing, ending at `latents`; nil for a plain SAE.
  public var matryoshka: [Int]?
  /// The balance coefficient beta of a balance Matryoshka SAE (`SAE.prefixWeights`), finite and
  /// >= 0, only with `matryoshka`; nil for the standard Matryoshka SAE.
  public var balance: Double?
  /// Whether each Matryoshka prefix adds its own L1 term (`SAE.l1PerPrefix`, the authors'
  /// convention); false: one L1 term over all latents.
  public var l1PerPrefix = false
  /// Latent i starts as feature `initialFeatures[i]` (the paper's toys start at the true
  /// features); nil for a seeded random start. One distinct feature per latent.
  public var initialFeatures: [Int]?
  /// Standard deviation of the seeded gaussian noise added to each initial decoder row
  /// before it is unit-normed, >= 0 (only with `initialFeatures`).
  public var initialNoise: Double = 0

  public init(
    latents: Int, tied: Bool = false, activation: ActivationKind = .relu, topK: Int? = nil,
    matryoshka: [Int]? = nil
  ) {
    self.latents = latents
    self.tied = tied
    self.activation = activation
    self.topK = topK
    self.matryoshka = matryoshka
  }

  /// The SAE's activation value (batchtopk starts with threshold 0).
  public var saeActivation: SAE.Activation {
    switch activation {
    case .relu: return .relu
    case .topk: return .topK(topK ?? 1)
    case .batchtopk: return .batchTopK(k: topK ?? 1, threshold: 0)
    }
  }

  /// The initial SAE on d dimensions: at the true features, or seeded random as SAELens.
  ///
  ///     decoder rows: e_{initialFeatures[i]} + N(0, initialNoise^2) per entry, or standard
  ///                   normal draws (GSL MT19937 seeded with `seed`), unit-normed
  ///     encoder = decoder (untied: a copy, then trained apart), biases 0
  ///
  /// - Parameters: dimensions d >= 1; seed in 0...UInt32.max.
  /// - Throws: `FieldError` naming the field when the shape is invalid.
  ///   basis: the features' directions (n rows of d) when d > n: a latent started at feature f
  ///   starts at basis[f].
  public func initialSAE(dimensions d: Int, seed: UInt64, basis: [[Double]]? = nil) throws
    -> SAE
  {
    _ = gsl_set_error_handler_off()
    guard let rng = gsl_rng_alloc(hl_rng_mt19937()) else { fatalError("gsl_rng_alloc failed") }
    defer { gsl_rng_free(rng) }
    gsl_rng_set(rng, UInt(seed))
    let rows: [[Double]] = (0..<latents).map { i in
      let r: [Double]
      if let f = initialFeatures {
        let e = basis?[f[i]] ?? (0..<d).map { $0 == f[i] ? 1.0 : 0.0 }
        r = (0..<d).map { e[$0] + gsl_ran_gaussian_ziggurat(rng, initialNoise) }
      } else {
        r = (0..<d).map { _ in gsl_ran_gaussian_ziggurat(rng, 1) }
      }
      let norm = dot(r, r).squareRoot()
      return r.map { $0 / norm }
    }
    if activation != .relu {
      guard let k = topK else {
        throw FieldError(field: "sae.top_k", value: "", reason: "needed by \(activation.rawValue)")
      }
      guard (1...latents).contains(k) else {
        throw FieldError(field: "sae.top_k", value: "\(k)", reason: "is not in 1...\(latents)")
      }
    }
    return try SAE(
      decoder: rows, decoderBias: [Double](repeating: 0, count: d),
      encoder: tied ? nil : rows, encoderBias: [Double](repeating: 0, count: latents),
      activation: saeActivation, prefixes: matryoshka, balance: balance,
      l1PerPrefix: l1PerPrefix)
  }
}

/// A measurable statement about a trained SAE that `landscape validate` checks.
///
/// The value of `quantity` must lie in [min, max] (either bound may be open).
public typealias SAEExpectation = Expectation<SAEQuantity>

/// Which number of a trained SAE an expectation checks.
public enum SAEQuantity: Sendable, Hashable {
  /// The decoder bias in feature coordinates, b . e_j.
  case decoderBias(feature: Int)
  /// cos(decoder row i, e_j), oriented: times the sign of the cosine with the feature the
  /// latent tracks.
  case decoderCosine(latent: Int, feature: Int)
  /// cos(encoder row i, e_j) (the decoder's when tied), oriented like the decoder's.
  case encoderCosine(latent: Int, feature: Int)
  /// A statistic of the hedging masses of the given latents' decoder rows (all when empty).
  case decoderHedgingMass(latents: [Int], HedgingStatistic)
  /// A statistic of the hedging masses of the given latents' encoder rows (all when empty).
  case encoderHedgingMass(latents: [Int], HedgingStatistic)
  /// The exact (or estimated) expected loss of the full reconstruction.
  case loss(ReconstructionLoss)
}

/// How the values of several latents are summarised.
public enum HedgingStatistic: String, Sendable, Hashable, CaseIterable {
  case mean, median, min, max
}

extension Expectation where Quantity == SAEQuantity {
  /// The quantity's value for a reading and its losses.
  public func value(_ reading: SAEReading, mse: Double, l2: Double) -> Double {
    func summary(_ latents: [Int], _ rows: [SAEReading.Latent], _ s: Statistic) -> Double {
      let chosen = latents.isEmpty ? Array(rows.indices) : latents
      return s.of(chosen.map { rows[$0].hedgingMass })
    }
    switch quantity {
    case .decoderBias(let j): return reading.decoderBias[j]
    case .decoderCosine(let i, let j):
      return oriented(reading.decoderCos[i], reading.decoderLatents[i])[j]
    case .encoderCosine(let i, let j):
      return oriented(reading.encoderCos[i], reading.encoderLatents[i])[j]
    case .decoderHedgingMass(let l, let s): return summary(l, reading.decoderLatents, s)
    case .encoderHedgingMass(let l, let s): return summary(l, reading.encoderLatents, s)
    case .loss(let kind): return kind == .l2 ? l2 : mse
    }
  }

  /// A latent's cosines, negated when its tracked feature's cosine is negative (a latent and
  /// its negation with the opposite bias are the same SAE up to sign).
  func oriented(_ cos: [Double], _ latent: SAEReading.Latent) -> [Double] {
    latent.cosine < 0 ? cos.map { -$0 } : cos
  }

  /// The quantity in words, with feature names: `decoder cos(latent 0, child)`.
  public func describe(features: [String]) -> String {
    func latents(_ l: [Int]) -> String {
      l.isEmpty ? "all latents" : "latents " + l.map(String.init).joined(separator: ", ")
    }
    switch quantity {
    case .decoderBias(let j): return "decoder bias \(features[j])"
    case .decoderCosine(let i, let j): return "decoder cos(latent \(i), \(features[j]))"
    case .encoderCosine(let i, let j): return "encoder cos(latent \(i), \(features[j]))"
    case .decoderHedgingMass(let l, let s):
      return "decoder hedging mass (\(s.rawValue), \(latents(l)))"
    case .encoderHedgingMass(let l, let s):
      return "encoder hedging mass (\(s.rawValue), \(latents(l)))"
    case .loss(let kind): return "\(kind.rawValue) loss"
    }
  }
}

/// A case with many latents: a toy model, the SAE trained on it, how, and what it should show.
public struct SAECase: Sendable, Hashable {
  public var name: String
  public var title: String
  public var features: [String]
  public var toy: ToyModel
  /// Probability mass dropped when the toy was enumerated (0 when nothing was dropped or the
  /// toy is sampled).
  public var droppedMass: Double
  public var architecture: SAEArchitecture
  public var plan: SAETrainingPlan
  public var expectations: [SAEExpectation]
  /// The case's ensemble of such SAEs (`landscape ensemble`), nil when it has none.
  public var ensemble: SAEEnsembleSpec? = nil
  /// The case's growth saeCase (`landscape grow`), if it has one.
  public var growth: SAEGrowthStudy?
  /// The case's balance sweep (`BalanceSweep`), if it asks for one.
  public var balanceSweep: BalanceSweepPlan? = nil

  public init(
    name: String, title: String, features: [String], toy: ToyModel, droppedMass: Double = 0,
    architecture: SAEArchitecture, plan: SAETrainingPlan, expectations: [SAEExpectation] = []
  ) {
    self.name = name
    self.title = title
    self.features = features
    self.toy = toy
    self.droppedMass = droppedMass
    self.architecture = architecture
    self.plan = plan
    self.expectations = expectations
  }
}
