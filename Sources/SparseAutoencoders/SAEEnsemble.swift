import ToyModels

/// An ensemble of SAEs (Gadgil, Lin and Lee, "Ensembling Sparse Autoencoders", 2025): J
/// members g_j whose reconstructions are combined.
///
///     bagging:  xhat = (1/J) sum_j g_j(x)             (members from different seeds)
///     boosting: xhat = sum_j g_j(r_j),  r_1 = x,
///               r_{j+1} = r_j - g_j(r_j) = x - sum_{i<=j} g_i(r_i)
///
/// g(x) = sum_l h_l(x) decoder[l] + b_dec is a member's full reconstruction. In boosting member j
/// is trained to reconstruct its own input r_j, the residual the members before it leave; the
/// ensemble's error x - xhat is r_{J+1}.
public struct SAEEnsemble: Sendable {
  /// How the members are trained and combined.
  public enum Method: String, Sendable, Hashable, CaseIterable {
    /// The paper's naive bagging: the same data, different seeds; the mean reconstruction.
    case bagging
    /// Each member trained on the residual of the members before it; the sum.
    case boosting
  }

  public var method: Method
  /// J >= 1 members, all of the same dimensions d.
  public var members: [SAE]
  /// The true features' directions (n rows of d); nil when d = n (the unit vectors).
  public var basis: [[Double]]?

  /// - Parameters: members: at least one, all of one dimension d; basis: n rows of d or nil.
  public init(method: Method, members: [SAE], basis: [[Double]]? = nil) {
    precondition(!members.isEmpty, "an ensemble needs a member")
    precondition(members.allSatisfy { $0.dimensions == members[0].dimensions })
    self.method = method
    self.members = members
    self.basis = basis
  }

  /// The dense input x = sum_f m_f e_f of a toy pattern.
  public func input(_ pattern: WeightedPattern) -> [Double] {
    pattern.input(dimensions: members[0].dimensions, basis: basis)
  }

  /// The exact expected squared error of the first `count` members (all when nil):
  ///
  ///     mse = sum_p w_p |x_p - xhat(x_p)|^2
  public func mse(on patterns: [WeightedPattern], members count: Int? = nil) -> Double {
    mseByMembers(on: patterns, upTo: count ?? members.count).last!
  }

  /// The exact expected squared error of the ensemble of the first 1, 2, ..., `count` members,
  /// in one pass over the patterns (each member's reconstruction computed once):
  /// sum_p w_p e_p,j with e the `squaredErrors`.
  /// - Parameter count: in 1...members.count.
  public func mseByMembers(on patterns: [WeightedPattern], upTo count: Int) -> [Double] {
    var totals = [Double](repeating: 0, count: count)
    for (p, e) in zip(patterns, squaredErrors(on: patterns, upTo: count)) {
      for j in 0..<count { totals[j] += p.weight * e[j] }
    }
    return totals
  }

  /// Each pattern's squared error under the ensemble of the first 1, 2, ..., `count` members:
  ///
  ///     e_p,j = |x_p - xhat_j(x_p)|^2     (xhat_j: the first j + 1 members combined)
  ///
  /// A pattern of weight 0 gets zeros.
  /// - Parameter count: in 1...members.count.
  public func squaredErrors(on patterns: [WeightedPattern], upTo count: Int) -> [[Double]] {
    patterns.map { p in
      var errors = [Double](repeating: 0, count: count)
      guard p.weight > 0 else { return errors }
      let x = input(p)
      // bagging: the sum of the reconstructions so far; boosting: the residual r.
      var running = method == .bagging ? [Double](repeating: 0, count: x.count) : x
      for (j, g) in members.prefix(count).enumerated() {
        let xhat: [Double]
        switch method {
        case .bagging:
          for (c, v) in g.reconstruction(g.activations(x)).enumerated() { running[c] += v }
          xhat = running.map { $0 / Double(j + 1) }
        case .boosting:
          for (c, v) in g.reconstruction(g.activations(running)).enumerated() { running[c] -= v }
          xhat = zip(x, running).map { $0 - $1 }
        }
        errors[j] = zip(x, xhat).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      }
      return errors
    }
  }

  /// The standard error of a mean over N draws held as weighted patterns (weight = the
  /// pattern's share of the draws, so the weights sum to 1 and pattern p stands for w_p N
  /// draws of error e_p):
  ///
  ///     mean = sum_p w_p e_p
  ///     SE   = s / sqrt(N),  s^2 = sum_draws (e - mean)^2 / (N - 1)
  ///                              = N sum_p w_p (e_p - mean)^2 / (N - 1)
  ///
  /// - Parameters: errors and weights of one length; samples N >= 2.
  public static func standardError(_ errors: [Double], weights: [Double], samples: Int) -> Double
  {
    precondition(errors.count == weights.count && samples >= 2)
    let mean = zip(weights, errors).reduce(0.0) { $0 + $1.0 * $1.1 }
    let spread = zip(weights, errors).reduce(0.0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
    let n = Double(samples)
    return (n * spread / (n - 1) / n).squareRoot()
  }

  /// The members' decoder rows, member by member, each normalised (zero rows stay zero).
  var unitLatents: [[[Double]]] {
    members.map { g in
      (0..<g.latents).map { l in
        let row = g.decoderRow(l)
        let norm = dot(row, row).squareRoot()
        return norm > 0 ? row.map { $0 / norm } : row
      }
    }
  }

  /// Diversity: for each member's latent, its largest |cos| with the other members' latents
  /// (decoder rows), averaged over every latent of every member. Low means diverse (the
  /// members learned different directions); 1 means every latent is repeated in another
  /// member. nil for one member.
  public var diversity: Double? {
    let rows = unitLatents
    guard rows.count > 1 else { return nil }
    var sum = 0.0
    var count = 0
    for (j, own) in rows.enumerated() {
      let others = rows.enumerated().filter { $0.offset != j }.flatMap(\.element)
      for u in own {
        sum += Self.largestCosine(u, others)
        count += 1
      }
    }
    return sum / Double(count)
  }

  /// Stability against another ensemble (another seed): the mean over this ensemble's latents
  /// of the largest |cos| with the other's latents, and the same the other way, averaged (the
  /// mean max cosine similarity, made symmetric). 1 means every latent is found again.
  public func stability(against other: SAEEnsemble) -> Double {
    let a = unitLatents.flatMap { $0 }
    let b = other.unitLatents.flatMap { $0 }
    let ab = a.reduce(0.0) { $0 + Self.largestCosine($1, b) } / Double(a.count)
    let ba = b.reduce(0.0) { $0 + Self.largestCosine($1, a) } / Double(b.count)
    return (ab + ba) / 2
  }

  private static func largestCosine(_ u: [Double], _ rows: [[Double]]) -> Double {
    rows.reduce(0.0) { best, v in max(best, abs(zip(u, v).reduce(0.0) { $0 + $1.0 * $1.1 })) }
  }

  /// Each member's true hedging mass per latent: its decoder rows read against the true
  /// features (`SAEReading` with the features' basis), sum_{j != tracked} cos_ij^2.
  public var hedgingMass: [[Double]] {
    members.map { SAEReading($0, basis: basis).decoderLatents.map(\.hedgingMass) }
  }
}

extension SAEEnsemble {
  /// Boosting's residual of each pattern after the first members, as a sparse pattern over an
  /// extended basis, with that basis.
  ///
  /// The residual r = x - sum_i (sum_l h_il decoder_i[l] + b_i) lies in the span of the
  /// features, the members' decoder rows and their decoder biases, so it is the pattern
  ///
  ///     rows:         e_0 ... e_{n-1} | decoder rows of member 0, 1, ... | b_0, b_1, ...
  ///     coefficients: m_f             | -h_il (active latents only)      | -1
  ///
  /// (the weights kept). h_il = member i's activations of its own input r_i, computed densely.
  /// - Parameter features: n, the number of true features (rows of `basis`, or the unit
  ///   vectors when the basis is nil).
  public func residualPatterns(_ patterns: [WeightedPattern], features n: Int)
    -> (patterns: [WeightedPattern], basis: [[Double]])
  {
    let d = members[0].dimensions
    let unit = (0..<n).map { f in (0..<d).map { $0 == f ? 1.0 : 0.0 } }
    var rows = basis ?? unit
    var decoderOffset: [Int] = []
    for g in members {
      decoderOffset.append(rows.count)
      for l in 0..<g.latents { rows.append(g.decoderRow(l)) }
    }
    let biasOffset = rows.count
    rows.append(contentsOf: members.map(\.decoderBias))
    let residuals = patterns.map { p -> WeightedPattern in
      var active = p.active
      var r = input(p)
      for (i, g) in members.enumerated() {
        let h = g.activations(r)
        for (l, v) in h.enumerated() where v != 0 {
          active.append(ActiveFeature(feature: decoderOffset[i] + l, magnitude: -v))
        }
        for (c, v) in g.reconstruction(h).enumerated() { r[c] -= v }
      }
      for i in members.indices {
        active.append(ActiveFeature(feature: biasOffset + i, magnitude: -1))
      }
      return WeightedPattern(weight: p.weight, active: active)
    }
    return (residuals, rows)
  }

  /// Trains an ensemble of `count` members on a toy.
  ///
  /// Member j (0-based) starts from `architecture.initialSAE` with seed plan.seed + j and trains
  /// with that seed (its initialisation, noise and batch draws); everything else is the plan's.
  /// When d > n every member shares the features' embedding: `embedding`, or drawn from
  /// plan.seed (as a single run with that seed draws it) when nil. Bagging trains
  /// each member on the toy (a sampled toy: fresh draws every step); boosting trains member 0
  /// on the toy, so a boosted member 0 is the same SAE as bagging's, and member j on the exact
  /// residual patterns of members 0..<j (`residualPatterns`): of the toy's patterns when it is
  /// enumerable, of `trainingSet`'s draws when it is sampled (each step then draws the plan's
  /// batch from those weighted residuals, as `data` says).
  /// - Parameters: count >= 1; plan.seed + count - 1 <= 2^32 - 1; trainingSet: a fixed set of
  ///   the sampled toy's draws, required to boost a sampled toy, unused otherwise.
  /// - Throws: `FieldError` naming the field if a sampled toy is boosted without a training
  ///   set, the seeds run out, or the architecture or plan is invalid.
  public static func train(
    _ method: Method, members count: Int, architecture: SAEArchitecture, toy: ToyModel,
    plan: SAETrainingPlan, embedding given: FeatureEmbedding? = nil,
    trainingSet: SampleSet? = nil
  ) throws -> SAEEnsemble {
    guard count >= 1 else {
      throw FieldError(field: "members", value: "\(count)", reason: "is not >= 1")
    }
    let patterns = toy.patterns ?? trainingSet?.patterns
    if method == .boosting && count > 1 && patterns == nil {
      throw FieldError(
        field: "ensemble", value: "",
        reason: "boosting a sampled toy needs a training set of its draws")
    }
    guard plan.seed + UInt64(count - 1) <= UInt64(UInt32.max) else {
      throw FieldError(
        field: "seed", value: "",
        reason: "\(plan.seed) + \(count - 1) members is above \(UInt32.max)")
    }
    let n = toy.features.count
    let d = plan.dimension ?? n
    let embedding = given ?? plan.embedding(features: n)
    var trained: [SAE] = []
    for j in 0..<count {
      var memberPlan = plan
      memberPlan.seed = plan.seed + UInt64(j)
      let start = try architecture.initialSAE(
        dimensions: d, seed: memberPlan.seed, basis: embedding?.basis)
      let run: SAETrainingRun
      if method == .bagging || j == 0 {
        run = try start.trainingRun(on: toy, memberPlan, embedding: embedding)
      } else {
        let residual = SAEEnsemble(method: method, members: trained, basis: embedding?.basis)
          .residualPatterns(patterns!, features: n)
        run = try start.trainingRun(
          on: residual.patterns, basis: residual.basis, memberPlan, embedding: embedding)
      }
      if let step = run.divergedAt {
        throw FieldError(
          field: "ensemble", value: "", reason: "member \(j) diverged at step \(step)")
      }
      trained.append(run.sae)
    }
    return SAEEnsemble(method: method, members: trained, basis: embedding?.basis)
  }
}

/// What an ensemble shows: the report `landscape ensemble --json` prints.
///
/// JSON keys: `method`, `members`, `seed`, `mse` (the ensemble's expected squared error:
/// exact on an enumerable toy, estimated on a sampled toy's held-out draws), `single_mse` (the
/// first member alone), `mse_by_members` (the ensemble of the first 1, 2, ... members),
/// `diversity` (null for one member), `stability`, `hedging_mass` (per member, per latent) and
/// `tracked_feature` (per member, per latent: the feature index); on a sampled toy also
/// `samples` (the held-out draws N), `mse_standard_error` and `single_mse_standard_error`
/// (`SAEEnsemble.standardError`).
public struct SAEEnsembleReport: Sendable, Hashable, Encodable {
  public var method: String
  public var members: Int
  public var seed: UInt64
  public var mse: Double
  public var singleMSE: Double
  public var mseByMembers: [Double]
  /// A sampled toy's held-out draws the mse is estimated from; nil when it is exact.
  public var samples: Int?
  /// The standard errors of `mse` and `singleMSE` (nil when exact).
  public var mseStandardError: Double?
  public var singleMSEStandardError: Double?
  public var diversity: Double?
  public var stability: Double
  public var hedgingMass: [[Double]]
  /// Per member, per latent: the true feature its decoder row tracks (largest |cos|).
  public var trackedFeature: [[Int]]

  enum CodingKeys: String, CodingKey {
    case method, members, seed, mse
    case singleMSE = "single_mse"
    case mseByMembers = "mse_by_members"
    case samples
    case mseStandardError = "mse_standard_error"
    case singleMSEStandardError = "single_mse_standard_error"
    case diversity, stability
    case hedgingMass = "hedging_mass"
    case trackedFeature = "tracked_feature"
  }

  /// Trains the ensemble (seeds plan.seed ..< plan.seed + count) and, for its stability, the
  /// same ensemble from the next seeds (plan.seed + count ..< plan.seed + 2 count, in the same
  /// features' embedding); reports the first.
  ///
  /// A sampled toy's mse is estimated on `samples` held-out draws (`SampleSet` seeded with
  /// plan.seed + 2 count, a stream no member trains on); boosting it trains on the residuals
  /// of a training set of `samples` draws, seeded with plan.seed + 2 count + 1 (the first
  /// ensemble) and + 2 (the second).
  /// - Parameter samples: in 2...10^9, used only by a sampled toy.
  /// - Throws: as `SAEEnsemble.train`.
  public init(
    _ method: SAEEnsemble.Method, members count: Int, architecture: SAEArchitecture,
    toy: ToyModel, plan: SAETrainingPlan, samples: Int = 100_000
  ) throws {
    guard count >= 1 else {
      throw FieldError(field: "members", value: "\(count)", reason: "is not >= 1")
    }
    let sampled = toy.patterns == nil
    // A sampled toy also needs the held-out set's seed and the two training sets'.
    let seeds = UInt64(2 * count - 1 + (sampled ? 3 : 0))
    guard plan.seed + seeds <= UInt64(UInt32.max) else {
      let what = sampled ? "two ensembles of \(count) and three sample sets" : "two ensembles of \(count)"
      throw FieldError(
        field: "seed", value: "",
        reason: "\(plan.seed) + \(seeds) (\(what)) is above \(UInt32.max)"
      )
    }
    if sampled, !(2...1_000_000_000).contains(samples) {
      throw FieldError(field: "samples", value: "\(samples)", reason: "is not in 2...1000000000")
    }
    let base = plan.seed + UInt64(2 * count)
    let boosts = method == .boosting && count > 1
    func trainingSet(_ k: UInt64) -> SampleSet? {
      guard let sampler = toy.sampler(), boosts else { return nil }
      return SampleSet(sampler, samples: samples, seed: base + k)
    }
    // One features' embedding for both ensembles, so that their latents are comparable (the
    // one a single run with plan.seed draws).
    let embedding = plan.embedding(features: toy.features.count)
    let ensemble = try SAEEnsemble.train(
      method, members: count, architecture: architecture, toy: toy, plan: plan,
      embedding: embedding, trainingSet: trainingSet(1))
    var otherPlan = plan
    otherPlan.seed = plan.seed + UInt64(count)
    let other = try SAEEnsemble.train(
      method, members: count, architecture: architecture, toy: toy, plan: otherPlan,
      embedding: embedding, trainingSet: trainingSet(2))
    if let sampler = toy.sampler() {
      let heldOut = SampleSet(sampler, samples: samples, seed: base)
      self.init(ensemble, other: other, patterns: heldOut.patterns, samples: samples, seed: plan.seed)
    } else {
      self.init(ensemble, other: other, patterns: toy.patterns!, seed: plan.seed)
    }
  }

  /// The report of `ensemble` on weighted patterns, its stability read against `other` (the
  /// same ensemble trained from another seed): the exact expectation over a toy's patterns
  /// (`samples` nil), or the mean over N = `samples` draws held as patterns weighted by their
  /// share, with its standard errors.
  /// - Parameter samples: nil or >= 2.
  public init(
    _ ensemble: SAEEnsemble, other: SAEEnsemble, patterns: [WeightedPattern],
    samples: Int? = nil, seed: UInt64
  ) {
    let count = ensemble.members.count
    method = ensemble.method.rawValue
    members = count
    self.seed = seed
    let errors = ensemble.squaredErrors(on: patterns, upTo: count)
    mseByMembers = (0..<count).map { j in
      zip(patterns, errors).reduce(0.0) { $0 + $1.0.weight * $1.1[j] }
    }
    mse = mseByMembers.last!
    singleMSE = mseByMembers[0]
    self.samples = samples
    if let samples {
      let weights = patterns.map(\.weight)
      mseStandardError = SAEEnsemble.standardError(
        errors.map { $0[count - 1] }, weights: weights, samples: samples)
      singleMSEStandardError = SAEEnsemble.standardError(
        errors.map { $0[0] }, weights: weights, samples: samples)
    }
    diversity = ensemble.diversity
    stability = ensemble.stability(against: other)
    hedgingMass = ensemble.hedgingMass
    trackedFeature = ensemble.members.map {
      SAEReading($0, basis: ensemble.basis).decoderLatents.map(\.tracked)
    }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(method, forKey: .method)
    try c.encode(members, forKey: .members)
    try c.encode(seed, forKey: .seed)
    try c.encode(mse, forKey: .mse)
    try c.encode(singleMSE, forKey: .singleMSE)
    try c.encode(mseByMembers, forKey: .mseByMembers)
    // Only on a sampled toy: an exact report keeps its keys.
    try c.encodeIfPresent(samples, forKey: .samples)
    try c.encodeIfPresent(mseStandardError, forKey: .mseStandardError)
    try c.encodeIfPresent(singleMSEStandardError, forKey: .singleMSEStandardError)
    try c.encode(diversity, forKey: .diversity)  // null for one member
    try c.encode(stability, forKey: .stability)
    try c.encode(hedgingMass, forKey: .hedgingMass)
    try c.encode(trackedFeature, forKey: .trackedFeature)
  }
}

/// A case's ensemble: how to build it and what it should show (`landscape validate`).
public struct SAEEnsembleSpec: Sendable, Hashable {
  public var method: SAEEnsemble.Method
  /// J >= 1.
  public var members: Int
  /// A sampled toy's held-out draws (and boosting's training draws), in 2...10^9.
  public var samples: Int
  public var expectations: [SAEEnsembleExpectation]

  public init(
    method: SAEEnsemble.Method, members: Int, samples: Int = 100_000,
    expectations: [SAEEnsembleExpectation] = []
  ) {
    self.method = method
    self.members = members
    self.samples = samples
    self.expectations = expectations
  }
}

/// A measurable statement about an ensemble's report: the value must lie in [min, max].
public typealias SAEEnsembleExpectation = Expectation<SAEEnsembleQuantity>

/// Which number of an ensemble an expectation checks.
public enum SAEEnsembleQuantity: Sendable, Hashable {
  case mse
  case singleMSE
  /// mse / single_mse: below 1 when the ensemble reconstructs better than its first member.
  case mseRatio
  case diversity
  case stability
  /// A statistic of the true hedging masses of one member's latents (every member's when
  /// nil).
  case hedgingMass(member: Int?, HedgingStatistic)
}

extension Expectation where Quantity == SAEEnsembleQuantity {
  /// The quantity's value in a report (NaN for the diversity of one member).
  public func value(_ r: SAEEnsembleReport) -> Double {
    switch quantity {
    case .mse: return r.mse
    case .singleMSE: return r.singleMSE
    case .mseRatio: return r.mse / r.singleMSE
    case .diversity: return r.diversity ?? .nan
    case .stability: return r.stability
    case .hedgingMass(let member, let statistic):
      return statistic.of((member.map { [r.hedgingMass[$0]] } ?? r.hedgingMass).flatMap { $0 })
    }
  }

  /// The quantity in words: `hedging mass (mean, member 0)`.
  public var description: String {
    switch quantity {
    case .mse: return "mse"
    case .singleMSE: return "single mse"
    case .mseRatio: return "mse / single mse"
    case .diversity: return "diversity"
    case .stability: return "stability"
    case .hedgingMass(let member, let s):
      return "hedging mass (\(s.rawValue), \(member.map { "member \($0)" } ?? "all members"))"
    }
  }
}
