import ToyModels

/// What the existing latents' movement at a growth is measured against.
///
/// The authors' hedging evaluation (chanind/feature-hedging-paper,
/// `hedging_paper/scripts/train_hedging_eval_saelens_sae.py` lines 30-110 and
/// `hedging_paper/evals/hedging_eval.py` `calculate_hedging_stats`) trains, from one initial
/// SAE, a control (the initial SAE trained further, no new latents) and an extended SAE (the
/// initial SAE plus new latents) for the same budget, and measures dW = extended - control.
public enum GrowthProtocol: String, Sendable, Hashable, CaseIterable {
  /// The authors': dW = extended - control, both trained from the SAE before growing with the
  /// same steps and seed, so continued-training drift cancels.
  case control
  /// dW = extended - the SAE before growing: continued-training drift counts as movement.
  case continued = "continue"
}

/// How an SAE grows: from `start` latents, `add` at a time, up to `to`.
public struct SAEGrowthPlan: Sendable, Hashable {
  /// Latents of the first SAE, >= 1.
  public var start: Int
  /// Latents added at each growth, >= 1.
  public var add: Int
  /// Latents of the last SAE: start + a multiple of add, <= 10_000.
  public var to: Int
  /// Random subspaces of the baseline at each growth, in 1...1000 (the authors' 50:
  /// `HedgingEvalOptions.nbaselines`).
  public var draws: Int = 50
  /// What the movement is measured against (the authors' control by default).
  public var growthProtocol: GrowthProtocol = .control
  /// The norm of a new latent's encoder and decoder rows, in (0, 1000] (the authors' 0.1:
  /// `base_sae.py` `extend_sae(initial_magnitude=0.1)`). The trainer keeps decoder rows
  /// unit-norm, so a new decoder row trains from unit norm; its encoder row keeps this norm.
  public var newLatentNorm: Double = 0.1

  public init(start: Int, add: Int, to: Int, draws: Int = 50) {
    self.start = start
    self.add = add
    self.to = to
    self.draws = draws
  }

  /// start, start + add, ..., to.
  public var widths: [Int] { Array(stride(from: start, through: to, by: add)) }

  /// - Throws: `FieldError` naming the field when a value is out of range.
  public func check() throws {
    guard start >= 1 else {
      throw FieldError(field: "start", value: "\(start)", reason: "is not >= 1")
    }
    guard add >= 1 else { throw FieldError(field: "add", value: "\(add)", reason: "is not >= 1") }
    guard to > start && to <= 10_000 && (to - start) % add == 0 else {
      throw FieldError(
        field: "to", value: "\(to)",
        reason: "is not start + a positive multiple of add (\(start) + n \(add), at most 10000)")
    }
    guard (1...1000).contains(draws) else {
      throw FieldError(field: "draws", value: "\(draws)", reason: "is not in 1...1000")
    }
    guard newLatentNorm > 0 && newLatentNorm <= 1000 else {
      throw FieldError(
        field: "new_latent_norm", value: "\(newLatentNorm)", reason: "is not in (0, 1000]")
    }
  }
}

extension SAE {
  /// The SAE with m latents appended, as the authors extend an SAE (`base_sae.py`
  /// `extend_sae`): each new row d standard normal draws from `stream`, scaled to `norm`; the
  /// encoder row a copy (untied), its bias 0. The existing latents and the decoder bias are
  /// unchanged.
  /// - Parameters: m >= 1; norm > 0 (the authors' 0.1). A plain SAE (one Matryoshka prefix).
  public func grown(by m: Int, norm: Double = 0.1, stream: RandomStream) -> SAE {
    precondition(m >= 1 && prefixes.count == 1, "grows a plain SAE by m >= 1 latents")
    let d = dimensions
    let rows: [[Double]] = (0..<m).map { _ in
      let r = (0..<d).map { _ in stream.gaussian() }
      let scale = norm / dot(r, r).squareRoot()
      return r.map { $0 * scale }
    }
    let decoderRows = (0..<latents).map { decoderRow($0) } + rows
    let encoderRows =
      tied ? nil : (0..<latents).map { Array(encoder[($0 * d)..<(($0 + 1) * d)]) } + rows
    // The sizes agree by construction: the initialiser cannot throw here.
    return try! SAE(
      decoder: decoderRows, decoderBias: decoderBias, encoder: encoderRows,
      encoderBias: encoderBias + [Double](repeating: 0, count: m), activation: activation,
      l1PerPrefix: l1PerPrefix)
  }

  /// Decoder row i (d values).
  public func decoderRow(_ i: Int) -> [Double] {
    Array(decoder[(i * dimensions)..<((i + 1) * dimensions)])
  }
}

/// What happened as an SAE grew: per width, how the existing latents moved, the decoder bias's
/// norm and the true hedging mass.
///
/// JSON keys: `protocol` (`GrowthProtocol`), then one value per width: `widths`,
/// `fraction_in_new_span`, `random_baseline`,
/// `relative_change` (each for the growth that reached the width; null at the first),
/// `hedging_degree` (the SAE of that width, measured by growing it: null at the last),
/// `decoder_bias_norm`, `true_hedging_mass` (mean over latents of the decoder rows' hedging
/// mass), `mse` (exact on enumerable toys); `rank_correlation`: Spearman's rho between the
/// hedging degree and the true hedging mass over the widths that have both (null if fewer than
/// 3 or either is constant).
public struct SAEGrowth: Sendable, Hashable, Encodable {
  /// What each growth's movement was measured against.
  public var growthProtocol: GrowthProtocol = .control
  public var widths: [Int] = []
  /// The growth into each width; nil at the first.
  public var changes: [GrowthChange?] = []
  public var decoderBiasNorm: [Double] = []
  public var trueHedgingMass: [Double] = []
  public var mse: [Double] = []
  /// The trained SAE at each width.
  public var saes: [SAE] = []
  /// The features' embedding (d > n), nil in feature coordinates.
  public var embedding: FeatureEmbedding?

  /// The hedging degree of the SAE of each width: that of the growth out of it; nil at the last.
  public var hedgingDegree: [Double?] {
    changes.dropFirst().map { $0?.hedgingDegree } + [nil]
  }

  /// Spearman's rho between the hedging degree and the true hedging mass of the SAEs that
  /// have a hedging degree; nil for fewer than 3 or a constant list.
  public var rankCorrelation: Double? { Self.pooledRankCorrelation([self]) }

  enum CodingKeys: String, CodingKey {
    case growthProtocol = "protocol"
    case widths
    case fractionInNewSpan = "fraction_in_new_span"
    case randomBaseline = "random_baseline"
    case relativeChange = "relative_change"
    case hedgingDegree = "hedging_degree"
    case decoderBiasNorm = "decoder_bias_norm"
    case trueHedgingMass = "true_hedging_mass"
    case mse
    case rankCorrelation = "rank_correlation"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(growthProtocol.rawValue, forKey: .growthProtocol)
    try c.encode(widths, forKey: .widths)
    try c.encode(changes.map { $0?.fractionInNewSpan }, forKey: .fractionInNewSpan)
    try c.encode(changes.map { $0?.randomBaseline }, forKey: .randomBaseline)
    try c.encode(changes.map { $0?.relativeChange }, forKey: .relativeChange)
    try c.encode(hedgingDegree, forKey: .hedgingDegree)
    try c.encode(decoderBiasNorm, forKey: .decoderBiasNorm)
    try c.encode(trueHedgingMass, forKey: .trueHedgingMass)
    try c.encode(mse, forKey: .mse)
    try c.encode(rankCorrelation, forKey: .rankCorrelation)
  }

  public init() {}

  /// Grows an SAE on a toy: trains `initial` (plan.start latents), then repeatedly appends
  /// plan.add latents (`SAE.grown(by:norm:stream:)`) and trains the whole SAE again, up to
  /// plan.to. With the control protocol each growth also trains the SAE before growing for
  /// the same steps and seed (the control) and measures the existing latents' movement as
  /// extended - control (`GrowthProtocol`).
  ///
  /// Every width trains for `training.steps` steps; width number w (0, 1, ...) trains with seed
  /// training.seed + w, in the embedding of the first run (the control of the growth into
  /// width w too). The new latents and the baseline's
  /// random subspaces are drawn from a stream seeded with training.seed (new latents first,
  /// then the draws, growth by growth). Same inputs, same bits.
  /// - Parameters: initial: a plain relu SAE of plan.start latents; embedding: the features'
  ///   directions when the plan's dimension exceeds n (nil: drawn by the first run);
  ///   trainsFirstWidth: false measures `initial` as it is (an SAE trained elsewhere: its
  ///   hedging degree is then the first width's); metricsSamples: draws of the loss
  ///   estimate on a correlated toy.
  ///   progress: called after each width with its index and the widths' count.
  /// - Throws: `FieldError` naming the field when the plan or the SAE does not fit.
  public static func run(
    _ initial: SAE, on toy: ToyModel, training: SAETrainingPlan, growth plan: SAEGrowthPlan,
    embedding: FeatureEmbedding? = nil, trainsFirstWidth: Bool = true,
    metricsSamples: Int = 100_000, progress: ((Int, Int) -> Void)? = nil
  ) throws -> SAEGrowth {
    try plan.check()
    guard initial.latents == plan.start else {
      throw FieldError(
        field: "start", value: "\(plan.start)", reason: "for an SAE of \(initial.latents) latents")
    }
    guard initial.prefixes.count == 1, case .relu = initial.activation else {
      throw FieldError(
        field: "sae", value: "", reason: "growth needs a plain relu SAE (no top_k, no matryoshka)")
    }
    // Width w trains with seed + w: the last width's seed must be a seed too.
    guard training.seed + UInt64(plan.widths.count - 1) <= UInt64(UInt32.max) else {
      throw FieldError(
        field: "seed", value: "",
        reason: "\(training.seed) + \(plan.widths.count - 1) widths is above \(UInt32.max)")
    }
    let stream = RandomStream(seed: training.seed)
    var result = SAEGrowth()
    result.growthProtocol = plan.growthProtocol
    result.embedding = embedding
    var sae = initial
    var previous: SAE?
    let widths = plan.widths
    for (w, width) in widths.enumerated() {
      var stage = training
      stage.seed = training.seed &+ UInt64(w)
      if w == 0 && !trainsFirstWidth { stage.steps = 0 }
      let run = try sae.trainingRun(on: toy, stage, embedding: result.embedding)
      if w == 0 { result.embedding = result.embedding ?? run.embedding }
      sae = run.sae
      if let before = previous {
        let k = before.latents
        let reference =
          plan.growthProtocol == .control
          ? try before.trainingRun(on: toy, stage, embedding: result.embedding).sae : before
        result.changes.append(
          GrowthChange(
            before: (0..<k).map { reference.decoderRow($0) },
            after: (0..<k).map { sae.decoderRow($0) },
            new: (k..<width).map { sae.decoderRow($0) }, draws: plan.draws, stream: stream))
      } else {
        result.changes.append(nil)
      }
      let reading = SAEReading(sae, basis: result.embedding?.basis)
      result.widths.append(width)
      result.decoderBiasNorm.append(dot(sae.decoderBias, sae.decoderBias).squareRoot())
      result.trueHedgingMass.append(
        reading.decoderLatents.reduce(0) { $0 + $1.hedgingMass } / Double(width))
      result.mse.append(
        try sae.metrics(
          on: toy, basis: result.embedding?.basis, samples: metricsSamples, seed: stage.seed
        ).mse)
      result.saes.append(sae)
      previous = sae
      progress?(w + 1, widths.count)
      if w + 1 < widths.count {
        sae = sae.grown(by: plan.add, norm: plan.newLatentNorm, stream: stream)
      }
    }
    return result
  }
}

/// A growth saeCase of a case: the plan, the correlation scales it is repeated at (correlated
/// toys) and what `landscape validate` checks.
public struct SAEGrowthStudy: Sendable, Hashable {
  public var plan: SAEGrowthPlan
  /// Correlated toys: each run scales the correlations by s (`CorrelatedFiring.scaled(by:)`),
  /// s in [0, 1]; [1] runs the toy as it is.
  public var correlationScales: [Double] = [1]
  public var expectations: [SAEGrowthExpectation] = []

  public init(
    plan: SAEGrowthPlan, correlationScales: [Double] = [1],
    expectations: [SAEGrowthExpectation] = []
  ) {
    self.plan = plan
    self.correlationScales = correlationScales
    self.expectations = expectations
  }

  /// The toy at correlation scale s (an enumerable toy is returned as it is).
  public static func toy(_ toy: ToyModel, scale s: Double) -> ToyModel {
    guard case .correlated(let firing) = toy.firing, s != 1 else { return toy }
    return ToyModel(features: toy.features, firing: .correlated(firing.scaled(by: s)))
  }
}

/// A measurable statement about growth runs, checked by `landscape validate`: the value lies in
/// [min, max].
public typealias SAEGrowthExpectation = Expectation<SAEGrowthQuantity>

/// Which number of growth runs an expectation checks.
public enum SAEGrowthQuantity: String, Sendable, Hashable, CaseIterable {
  /// The smallest, over the growths of every run, of fraction_in_new_span - random_baseline.
  case fractionOverBaseline = "fraction_over_baseline"
  /// The mean, over the growths of every run, of fraction_in_new_span - random_baseline.
  case meanFractionOverBaseline = "mean_fraction_over_baseline"
  /// decoder_bias_norm at the last width minus at the first (the first run).
  case decoderBiasNormChange = "decoder_bias_norm_change"
  /// true_hedging_mass at the last width minus at the first (the first run).
  case trueHedgingMassChange = "true_hedging_mass_change"
  /// Spearman's rho between hedging degree and true hedging mass, pooled over every run's
  /// widths (across correlation scales).
  case rankCorrelation = "rank_correlation"
  /// The lowest, over the runs (one per correlation scale), of Spearman's rho within the run.
  case rankCorrelationWithinScales = "rank_correlation_within_scales"
}

extension Expectation where Quantity == SAEGrowthQuantity {
  /// The quantity's value over runs (one per correlation scale); nil when it is undefined
  /// (a rank correlation of constant values).
  public func value(_ runs: [SAEGrowth]) -> Double? {
    let excess = runs.flatMap {
      $0.changes.compactMap { $0.map { $0.fractionInNewSpan - $0.randomBaseline } }
    }
    switch quantity {
    case .fractionOverBaseline:
      return excess.min()
    case .meanFractionOverBaseline:
      return excess.isEmpty ? nil : excess.reduce(0, +) / Double(excess.count)
    case .decoderBiasNormChange:
      return runs.first.map { $0.decoderBiasNorm.last! - $0.decoderBiasNorm.first! }
    case .trueHedgingMassChange:
      return runs.first.map { $0.trueHedgingMass.last! - $0.trueHedgingMass.first! }
    case .rankCorrelation:
      return SAEGrowth.pooledRankCorrelation(runs)
    case .rankCorrelationWithinScales:
      let each = runs.map(\.rankCorrelation)
      guard !each.isEmpty, !each.contains(nil) else { return nil }
      return each.compactMap { $0 }.min()
    }
  }

  /// The check as `validate` lists it (an undefined value is NaN and fails).
  public func check(_ runs: [SAEGrowth]) -> SAEReport.Check {
    let v = value(runs)
    return SAEReport.Check(
      quantity: "growth: " + quantity.rawValue.replacingOccurrences(of: "_", with: " "),
      value: v ?? .nan, min: min, max: max, holds: holds(for: v))
  }
}

extension SAEGrowth {
  /// Spearman's rho between hedging degree and true hedging mass over the SAEs of every run
  /// that have a hedging degree; nil for fewer than 3 pairs or constant values.
  public static func pooledRankCorrelation(_ runs: [SAEGrowth]) -> Double? {
    let pairs = runs.flatMap { r in
      zip(r.hedgingDegree, r.trueHedgingMass).compactMap { h, m in h.map { ($0, m) } }
    }
    guard pairs.count >= 3 else { return nil }
    return SparseAutoencoders.rankCorrelation(pairs.map(\.0), pairs.map(\.1))
  }
}

extension SAE {
  /// The same SAE with unit decoder rows: each latent's decoder norm folded into its encoder
  /// row and bias, as the authors do before measuring (`hedging_eval.py` calls SAELens's
  /// `fold_W_dec_norm`, sae_lens/saes/sae.py).
  ///
  ///     d_i' = d_i / |d_i|,   e_i' = |d_i| e_i,   b_i' = |d_i| b_i
  ///
  /// For a relu latent h_i' = relu(e_i' x + b_i') = |d_i| h_i, so d_i' h_i' = d_i h_i and the
  /// L1 term h_i |d_i| is unchanged: the SAE computes the same function and loss, and the
  /// trainer (which keeps decoder rows unit-norm) starts from it as it is. Only untied relu
  /// SAEs are folded (a tied SAE's encoder is its decoder; a top-k choice depends on the
  /// scale); other SAEs, and zero or non-finite rows, are returned unchanged.
  public func foldingDecoderNorms() -> SAE {
    guard !tied, case .relu = activation else { return self }
    var folded = self
    let d = dimensions
    for i in 0..<latents {
      let row = decoderRow(i)
      let norm = dot(row, row).squareRoot()
      guard norm > 0 && norm.isFinite else { continue }
      for j in 0..<d {
        folded.decoder[i * d + j] = row[j] / norm
        folded.encoder[i * d + j] *= norm
      }
      folded.encoderBias[i] *= norm
    }
    return folded
  }
}
