import ToyModels

/// What a case's `balance_sweep` block asks: balance Matryoshka SAEs trained at each
/// coefficient beta (and the standard Matryoshka SAE with snap loss) for each seed, and the
/// bounds their hedging and absorption must keep.
public struct BalanceSweepPlan: Sendable, Hashable {
  /// The balance coefficients beta, each finite and >= 0 (1: the standard Matryoshka SAE).
  public var coefficients: [Double]
  /// The training seeds, each in 0...UInt32.max, at least one.
  public var seeds: [UInt64]
  /// Whether the standard Matryoshka SAE is also trained with snap loss.
  public var snap: Bool
  public var expectations: [BalanceExpectation]

  public init(
    coefficients: [Double], seeds: [UInt64], snap: Bool = true,
    expectations: [BalanceExpectation] = []
  ) {
    self.coefficients = coefficients
    self.seeds = seeds
    self.snap = snap
    self.expectations = expectations
  }
}

/// A bound on one quantity of the sweep's runs at one coefficient (or snap): it holds when the
/// value of every seed lies in [min, max] (either bound may be open).
public struct BalanceExpectation: Sendable, Hashable {
  /// Which number of a run is checked.
  public enum Quantity: String, Sendable, Hashable, CaseIterable {
    /// The mean over parents and children of absorption_c (`Absorption`).
    case absorption
    /// The mean hedging mass of the innermost prefix's latents' decoder (encoder) rows.
    case decoderHedgingMass = "decoder_hedging_mass"
    case encoderHedgingMass = "encoder_hedging_mass"
  }

  public var quantity: Quantity
  /// The coefficient beta of the runs checked; nil for the snap-loss runs.
  public var balance: Double?
  public var min: Double?
  public var max: Double?

  public init(_ quantity: Quantity, balance: Double?, min: Double? = nil, max: Double? = nil) {
    self.quantity = quantity
    self.balance = balance
    self.min = min
    self.max = max
  }

  /// The quantity's value in a run.
  public func value(_ run: BalanceSweep.Run) -> Double {
    switch quantity {
    case .absorption: return run.absorption
    case .decoderHedgingMass: return run.decoderHedgingMass
    case .encoderHedgingMass: return run.encoderHedgingMass
    }
  }

  /// The runs checked: beta = `balance` (or snap).
  public func applies(to run: BalanceSweep.Run) -> Bool { run.isRun(of: balance) }

  /// `absorption at beta = 0`, `decoder hedging mass with snap loss`.
  public var describe: String {
    let name = quantity.rawValue.split(separator: "_").joined(separator: " ")
    guard let beta = balance else { return name + " with snap loss" }
    let b = beta == beta.rounded() && abs(beta) < 1e15 ? String(Int(beta)) : "\(beta)"
    return name + " at beta = " + b
  }
}

/// Hedging against absorption along the balance coefficient: for each beta and seed, a balance
/// Matryoshka SAE trained on a toy with a known hierarchy, read for the hedging mass of its
/// innermost prefix's latents and for how much the parents' latents are absorbed.
///
///     hedging mass = mean_{i < m_1} sum_{j != tracked(i)} cos(row_i, e_j)^2
///     absorption   = mean over the hierarchy's (parent, child) pairs of absorption_c
///
/// The prefix weights are beta^(L - l) (`SAE.prefixWeights`): beta = 0 trains a plain SAE
/// (absorption), beta = 1 the standard Matryoshka SAE (hedging in its inner latents).
public struct BalanceSweep: Sendable, Encodable {
  /// One trained SAE's numbers.
  public struct Run: Sendable, Hashable, Encodable {
    /// The coefficient (1 for the snap-loss run: a standard Matryoshka SAE).
    public var balance: Double
    public var snap: Bool
    public var seed: UInt64
    public var decoderHedgingMass: Double
    public var encoderHedgingMass: Double
    /// Mean absorption over every parent's children, and per parent.
    public var absorption: Double
    public var parents: [Absorption]
    /// Exact expected MSE of the full reconstruction.
    public var mse: Double

    /// Whether this is a run of coefficient `beta` (a snap-loss run when nil).
    public func isRun(of beta: Double?) -> Bool {
      beta == nil ? snap : (!snap && balance == beta)
    }

    enum CodingKeys: String, CodingKey {
      case balance, snap, seed
      case decoderHedgingMass = "decoder_hedging_mass"
      case encoderHedgingMass = "encoder_hedging_mass"
      case absorption, parents, mse
    }
  }

  /// An expectation's verdict: the worst seed's value against the bounds.
  public struct Check: Sendable, Hashable, Encodable {
    public var quantity: String
    public var values: [Double]
    public var min: Double?
    public var max: Double?
    public var holds: Bool
  }

  public var name: String
  public var coefficients: [Double]
  public var seeds: [UInt64]
  /// Per coefficient (then snap, when trained), per seed.
  public var runs: [Run]
  public var checks: [Check]

  enum CodingKeys: String, CodingKey {
    case name = "case"
    case coefficients, seeds, runs, checks
    case hedgingMass = "hedging_mass"
    case encoderHedgingMass = "encoder_hedging_mass"
    case absorption
    case snapHedgingMass = "snap_hedging_mass"
    case snapAbsorption = "snap_absorption"
  }

  /// Per coefficient, the seeds' mean decoder (encoder) hedging mass and absorption.
  public var hedgingMass: [Double] { coefficients.map { b in mean(of: \.decoderHedgingMass, b) } }
  public var encoderHedgingMass: [Double] {
    coefficients.map { b in mean(of: \.encoderHedgingMass, b) }
  }
  public var absorption: [Double] { coefficients.map { b in mean(of: \.absorption, b) } }
  /// The snap-loss runs' mean decoder hedging mass and absorption (nil without them).
  public var snapHedgingMass: Double? {
    runs.contains(where: \.snap) ? mean(of: \.decoderHedgingMass, nil) : nil
  }
  public var snapAbsorption: Double? {
    runs.contains(where: \.snap) ? mean(of: \.absorption, nil) : nil
  }

  private func mean(of value: KeyPath<Run, Double>, _ beta: Double?) -> Double {
    let chosen = runs.filter { $0.isRun(of: beta) }
    return chosen.map { $0[keyPath: value] }.reduce(0, +) / Double(Swift.max(chosen.count, 1))
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(coefficients, forKey: .coefficients)
    try c.encode(seeds, forKey: .seeds)
    try c.encode(hedgingMass, forKey: .hedgingMass)
    try c.encode(encoderHedgingMass, forKey: .encoderHedgingMass)
    try c.encode(absorption, forKey: .absorption)
    try c.encodeIfPresent(snapHedgingMass, forKey: .snapHedgingMass)
    try c.encodeIfPresent(snapAbsorption, forKey: .snapAbsorption)
    try c.encode(runs, forKey: .runs)
    try c.encode(checks, forKey: .checks)
  }

  /// True when every expectation holds.
  public var passed: Bool { checks.allSatisfy(\.holds) }

  /// Trains the sweep on `saeCase` (its architecture with each balance; its plan with each seed,
  /// MSE unless snap).
  ///
  /// - Parameters: saeCase: a Matryoshka SAE (two or more prefixes) on an enumerable toy whose
  ///   patterns imply at least one parent with children (`Absorption.hierarchy`).
  /// - Throws: `FieldError` naming the field when the saeCase cannot be swept.
  public init(_ saeCase: SAECase, _ plan: BalanceSweepPlan) throws {
    guard let prefixes = saeCase.architecture.matryoshka, prefixes.count > 1 else {
      throw FieldError(
        field: "sae.matryoshka", value: "", reason: "a balance sweep needs two or more prefixes")
    }
    guard let patterns = saeCase.toy.patterns else {
      throw FieldError(
        field: "hierarchy", value: "",
        reason: "a balance sweep needs an enumerable toy (patterns or hierarchy)")
    }
    let hierarchy = Absorption.hierarchy(patterns, features: saeCase.features.count)
    guard !hierarchy.isEmpty else {
      throw FieldError(field: "hierarchy", value: "", reason: "the toy has no parent with children")
    }
    var runs: [Run] = []
    let settings = plan.coefficients.map { ($0, false) } + (plan.snap ? [(1.0, true)] : [])
    for (beta, snap) in settings {
      for seed in plan.seeds {
        var architecture = saeCase.architecture
        architecture.balance = snap ? nil : beta
        var training = saeCase.plan
        training.seed = seed
        training.loss = snap ? .snap : (training.loss == .l2 ? .l2 : .mse)
        training.snapAt = snap ? saeCase.plan.snapAt : nil
        let n = saeCase.features.count
        let embedding = training.dimension.flatMap { d in
          d == n ? nil : FeatureEmbedding(features: n, dimension: d, seed: seed)
        }
        let start = try architecture.initialSAE(
          dimensions: training.dimension ?? n, seed: seed, basis: embedding?.basis)
        let run = try start.trainingRun(on: saeCase.toy, training, embedding: embedding)
        let basis = run.embedding?.basis
        let reading = SAEReading(run.sae, basis: basis)
        let inner = 0..<prefixes[0]
        func innerMass(_ rows: [SAEReading.Latent]) -> Double {
          inner.map { rows[$0].hedgingMass }.reduce(0, +) / Double(inner.count)
        }
        let parents = hierarchy.map {
          run.sae.absorption(
            parent: $0.parent, children: $0.children, patterns: patterns, basis: basis)
        }
        let all = parents.flatMap(\.perChild)
        runs.append(
          Run(
            balance: beta, snap: snap, seed: seed,
            decoderHedgingMass: innerMass(reading.decoderLatents),
            encoderHedgingMass: innerMass(reading.encoderLatents),
            absorption: all.reduce(0, +) / Double(all.count), parents: parents,
            mse: run.sae.expectedMetrics(patterns, basis: basis).mse))
      }
    }
    name = saeCase.name
    coefficients = plan.coefficients
    seeds = plan.seeds
    self.runs = runs
    checks = plan.expectations.map { e in
      let values = runs.filter { e.applies(to: $0) }.map { e.value($0) }
      return Check(
        quantity: e.describe, values: values, min: e.min, max: e.max,
        holds: !values.isEmpty && values.allSatisfy { e.holds(for: $0) })
    }
  }
}

extension BalanceExpectation: Bounded {}
extension BalanceSweep.Check: Bounded {}
