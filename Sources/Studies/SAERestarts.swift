import Reports
import SparseAutoencoders
import ToyModels

/// The global question on an SAE case's enumerable toy: the optima lbfgs reaches from seeded
/// random starts and from the true features, told apart up to latent order and sign, each
/// certified, beside the true-features SAE (decoder = the true features, the rest optimised).
public struct SAERestarts: Sendable {
  public var saeCase: SAECase
  /// Random starts, seeded 1...restarts, in 1...1000.
  public var restarts: Int
  /// lbfgs's iteration limit per start.
  public var iterations: Int

  public init(saeCase: SAECase, restarts: Int, iterations: Int = 10_000) {
    self.saeCase = saeCase
    self.restarts = restarts
    self.iterations = iterations
  }

  /// Two SAEs are the same optimum when their losses agree to 1e-9 (relative) and their
  /// decoder rows match one to one, up to sign, with |cos| >= 1 - 1e-6.
  static func same(_ a: SAE, _ la: Double, _ b: SAE, _ lb: Double) -> Bool {
    guard abs(la - lb) <= 1e-9 * max(1, abs(la)), a.latents == b.latents else { return false }
    var unused = Set(0..<b.latents)
    for i in 0..<a.latents {
      let r = a.decoderRow(i)
      guard
        let j = unused.first(where: { abs(dot(r, b.decoderRow($0))) >= 1 - 1e-6 })
      else { return false }
      unused.remove(j)
    }
    return true
  }

  /// Every start minimised, the optima grouped, certified; progress per start.
  /// - Throws: `FieldError` (a sampled toy, batchtopk, a plan lbfgs cannot run);
  ///   `CancellationError`.
  public func run(_ control: RunControl = .none) throws -> SAERestartsReport {
    guard let patterns = saeCase.toy.patterns else {
      throw FieldError(
        field: "case", value: saeCase.name,
        reason: "has a sampled toy: restarts minimise the exact loss of an enumerable one")
    }
    guard (1...1000).contains(restarts) else {
      throw FieldError(flag: "--restarts", value: "\(restarts)", reason: "is not in 1...1000")
    }
    var plan = saeCase.plan
    plan.optimizer = .lbfgs
    plan.data = .exact
    plan.steps = iterations
    plan.initialNoise = 0
    plan.snapAt = nil  // snap under lbfgs: MSE to a stationary point, then L2 from there
    let n = saeCase.features.count
    let embedding = plan.embedding(features: n)
    let d = plan.dimension ?? n
    let basis = embedding?.basis
    var architecture = saeCase.architecture
    let truth = saeCase.trackedFeatures
    var starts: [(String, SAE)] = []
    architecture.initialFeatures = nil
    for seed in 1...restarts {
      starts.append(("seed \(seed)", try architecture.initialSAE(dimensions: d, seed: UInt64(seed), basis: basis)))
    }
    // The SAE at the true features: a start, and (its decoder held) the true-features SAE.
    let truthSAE = try saeCase.trueFeaturesStart(dimensions: d, basis: basis)
    if let truthSAE { starts.append(("true features", truthSAE)) }
    var optima: [SAERestartsReport.Optimum] = []
    var landed: [SAERestartsReport.Start] = []
    var representatives: [SAE] = []
    for (index, (name, start)) in starts.enumerated() {
      try control.checkCancellation()
      let run = try start.trainingRun(
        on: patterns, basis: basis, plan, embedding: embedding, isCancelled: control.isCancelled)
      guard let m = run.minimisation, m.loss.isFinite else {
        throw plan.divergence(atStep: run.divergedAt ?? 0)
      }
      let reading = run.reading
      if let o = representatives.indices.first(where: {
        Self.same(representatives[$0], optima[$0].loss, run.sae, m.loss)
      }) {
        optima[o].starts.append(name)
        landed.append(.init(start: name, optimum: o, loss: m.loss, stop: m.stop))
      } else {
        let certificate = try run.sae.certificate(
          on: patterns, basis: basis, reconstruction: plan.finalReconstruction, l1: plan.l1,
          trainsEncoderBias: plan.trainsEncoderBias, trainsDecoderBias: plan.trainsDecoderBias)
        let masses = reading.decoderLatents.map(\.hedgingMass)
        optima.append(
          .init(
            loss: m.loss, verdict: certificate.verdict, smallestEigenvalue: certificate.smallestEigenvalue,
            meanDecoderHedgingMass: masses.reduce(0, +) / Double(masses.count), starts: [name]))
        representatives.append(run.sae)
        landed.append(.init(start: name, optimum: optima.count - 1, loss: m.loss, stop: m.stop))
      }
      control.report(index + 1, of: starts.count, "restarts \(saeCase.name)")
    }
    // The true-features SAE: decoder rows at the features, encoder and biases optimised.
    var trueFeatures: SAERestartsReport.TrueFeatures?
    if let truthSAE {
      let m = saeCase.trueFeaturesSAE(
        start: truthSAE, on: patterns, basis: basis, plan: plan, iterations: iterations
      ).minimisation
      trueFeatures = .init(features: truth.map { saeCase.features[$0] }, loss: m.loss)
    }
    // Optima in order of loss; the starts' indices follow.
    let order = optima.indices.sorted { optima[$0].loss < optima[$1].loss }
    let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    return SAERestartsReport(
      name: saeCase.name, optima: order.map { optima[$0] },
      starts: landed.map { var s = $0; s.optimum = rank[s.optimum]!; return s },
      trueFeatures: trueFeatures)
  }
}

/// `train --restarts`'s report: the distinct optima, lowest loss first, where each start
/// landed, and the true-features SAE.
///
///     {"case", "optima": [{"loss", "verdict", "smallest_eigenvalue",
///       "mean_decoder_hedging_mass", "starts"}], "starts": [{"start", "optimum", "loss",
///       "stop"}], "true_features": {"features", "loss"}, "true_features_beaten_by_best"}
public struct SAERestartsReport: Sendable, Encodable {
  public struct Optimum: Sendable, Encodable {
    public var loss: Double
    public var verdict: SAECertificate.Verdict
    public var smallestEigenvalue: Double
    public var meanDecoderHedgingMass: Double
    public var starts: [String]

    enum CodingKeys: String, CodingKey {
      case loss, verdict, smallestEigenvalue = "smallest_eigenvalue"
      case meanDecoderHedgingMass = "mean_decoder_hedging_mass", starts
    }
  }

  public struct Start: Sendable, Encodable {
    public var start: String
    /// Index into `optima` (lowest loss first).
    public var optimum: Int
    public var loss: Double
    public var stop: SAEMinimisation.Stop
  }

  public struct TrueFeatures: Sendable, Encodable {
    public var features: [String]
    public var loss: Double
  }

  public var name: String
  public var optima: [Optimum]
  public var starts: [Start]
  public var trueFeatures: TrueFeatures?

  /// Whether the best stationary point found is below the true-features SAE's loss: the loss itself
  /// prefers something other than the true features (by more than 1e-9 relative).
  public var trueFeaturesBeatenByBest: Bool? {
    guard let t = trueFeatures,
      let best = optima.first(where: { $0.verdict != .notStationary })
    else { return nil }
    return best.loss < t.loss - 1e-9 * max(1, abs(t.loss))
  }

  enum CodingKeys: String, CodingKey {
    case name = "case", optima, starts, trueFeatures = "true_features"
    case trueFeaturesBeatenByBest = "true_features_beaten_by_best"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(optima, forKey: .optima)
    try c.encode(starts, forKey: .starts)
    try c.encodeIfPresent(trueFeatures, forKey: .trueFeatures)
    try c.encodeIfPresent(trueFeaturesBeatenByBest, forKey: .trueFeaturesBeatenByBest)
  }

  /// The text report: the optima, lowest first, with who reached them.
  public var text: String {
    let minima = optima.filter { $0.verdict != .notStationary }.count
    var out = "\(name): \(optima.count) distinct end point\(optima.count == 1 ? "" : "s") from "
    out += "\(starts.count) starts (lbfgs on the exact loss), "
    if minima == optima.count {
      out += "\(minima == 1 ? "it" : "all") certified stationary\n\n"
    } else {
      out += "\(minima) of them certified stationary (the others stopped where the line search "
      out += "could not go on: on a kink of the loss)\n\n"
    }
    out += "optimum  loss                  certificate            mean decoder hedging mass  starts\n"
    for (i, o) in optima.enumerated() {
      out += TextTable.pad("\(i)", 9) + TextTable.pad("\(o.loss)", 22)
      out += TextTable.pad(o.verdict.rawValue, 23) + TextTable.pad(TextTable.decimal(o.meanDecoderHedgingMass), 27)
      out += o.starts.joined(separator: ", ") + "\n"
    }
    if let t = trueFeatures {
      out += "\ntrue-features SAE (decoder = \(t.features.joined(separator: ", ")); encoder and "
      out += "biases optimised): loss \(t.loss)\n"
      if let beaten = trueFeaturesBeatenByBest {
        out += beaten
          ? "the best optimum found is below it: the loss prefers another SAE to the true features\n"
          : "no optimum found is below it\n"
      }
    }
    return out
  }
}
