import Reports
import SparseAutoencoders
import ToyModels

/// The expected loss along the straight line between two SAEs, or over the plane through
/// three, on an SAE case's toy: what `landscape path` calls.
///
///     line:  SAE(t)    = (1 - t) A + t B'                 t = i / (N - 1), i in 0..<N
///     slice: SAE(s, u) = A + s (B' - A) + u (C' - A)      s, u on an N x N grid in [0, 1]^2
///
/// B' and C' are B and C with their latents matched to A's (`SAE.matchingLatents`: the
/// assignment maximising the summed |decoder cosine|, within Matryoshka blocks, no sign
/// flipped). Encoders and biases combine linearly; each decoder row is combined, then
/// renormalised to unit norm (`SAE.combination`). The ends (and the slice's corners) are
/// the given SAEs themselves, unpermuted, so their losses are `sae-loss`'s to the bit.
///
/// Losses: mse and l2 of the full reconstruction (`SAE.metrics`, as `sae-loss` reports
/// them) and the case's training loss (its train block's mse or l2 with its L1 term and
/// Matryoshka prefix weights, `SAE.expectedLoss`). Exact on an enumerable toy; on a
/// correlated toy estimated from one fixed `SampleSet` (`samples` draws seeded with `seed`)
/// shared by every point, so the curve is smooth and deterministic.
public struct SAEPath: Sendable {
  /// One end of the path (or the slice's third SAE).
  public enum End: Sendable {
    /// The true-features SAE (`SAECase.trueFeaturesSAE`): decoder = the features the case's
    /// latents track, encoder and biases optimised on the loss the path measures.
    case truth
    /// A given SAE; `label` names it (its file) in the report.
    case sae(SAE, label: String)
  }

  public var saeCase: SAECase
  public var from: End
  public var to: End
  public var via: End?
  /// Points along the line in 2...10001; with `via`, per axis in 2...201.
  public var points: Int
  /// Correlated toys: the number of draws in 1...1e9 and their seed in 0...UInt32.max.
  public var samples: Int
  public var seed: UInt64

  public init(
    saeCase: SAECase, from: End, to: End, via: End? = nil, points: Int? = nil,
    samples: Int = 100_000, seed: UInt64 = 1
  ) {
    self.saeCase = saeCase
    self.from = from
    self.to = to
    self.via = via
    self.points = points ?? (via == nil ? 101 : 41)
    self.samples = samples
    self.seed = seed
  }

  /// The losses at every point, in order (the slice: u slowest, then s); progress per point.
  /// - Throws: `FieldError` naming the flag (--points, --samples, --seed, --from, --to,
  ///   --via) for a value out of range or an SAE of another shape than the case's;
  ///   `CancellationError`.
  public func run(_ control: RunControl = .none) throws -> SAEPathReport {
    let range = via == nil ? 2...10_001 : 2...201
    guard range.contains(points) else {
      throw FieldError(
        flag: "--points", value: "\(points)",
        reason: "is not in \(range.lowerBound)...\(range.upperBound)" + (via == nil ? "" : " (per axis with --via)"))
    }
    let plan = saeCase.plan
    let n = saeCase.features.count
    let basis = plan.embedding(features: n)?.basis
    let d = plan.dimension ?? n
    // What the losses average over: the patterns, or one fixed set of draws.
    let sampleSet: SampleSet?
    let patterns: [WeightedPattern]
    switch saeCase.toy.firing {
    case .enumerable(let p):
      sampleSet = nil
      patterns = p
    case .correlated, .drawnMagnitudes:
      guard (1...1_000_000_000).contains(samples) else {
        throw FieldError(flag: "--samples", value: "\(samples)", reason: "is not in 1...1000000000")
      }
      guard seed <= UInt64(UInt32.max) else {
        throw FieldError(flag: "--seed", value: "\(seed)", reason: "is not in 0...4294967295")
      }
      let set = SampleSet(saeCase.toy.sampler()!, samples: samples, seed: seed)
      sampleSet = set
      patterns = set.patterns
    }
    // The ends, checked against the case's shape; the true-features SAE built once.
    var truth: SAE?
    func resolve(_ end: End, flag: String) throws -> (SAE, String) {
      switch end {
      case .sae(let sae, let label):
        try check(sae, flag: flag, dimensions: d)
        return (sae, label)
      case .truth:
        if let truth { return (truth, "truth") }
        guard let start = try saeCase.trueFeaturesStart(dimensions: d, basis: basis) else {
          throw FieldError(
            flag: flag, value: "truth",
            reason: "needs a true feature per latent: the case has \(n) features for \(saeCase.architecture.latents) latents")
        }
        let sae = saeCase.trueFeaturesSAE(start: start, on: patterns, basis: basis, plan: plan).sae
        truth = sae
        return (sae, "truth")
      }
    }
    var ends = [try resolve(from, flag: "--from"), try resolve(to, flag: "--to")]
    if let via { ends.append(try resolve(via, flag: "--via")) }
    let a = ends[0].0
    let matchings = ends.dropFirst().map { a.matchingLatents(of: $0.0) }
    let matched = [a] + zip(ends.dropFirst(), matchings).map { $0.0.permutingLatents($1) }
    let cosines = zip(ends.dropFirst(), matchings).map { end, p in
      (0..<a.latents).map { i in
        let r = a.decoderRow(i)
        let q = end.0.decoderRow(p[i])
        return dot(r, q) / (dot(r, r) * dot(q, q)).squareRoot()
      }
    }
    // The points: weights of (A, B', C'); a one-hot weight is that SAE itself.
    let grid = (0..<points).map { Double($0) / Double(points - 1) }
    let coordinates: [(s: Double, u: Double?)] =
      via == nil ? grid.map { ($0, nil) } : grid.flatMap { u in grid.map { ($0, u) } }
    var out: [SAEPathReport.Point] = []
    out.reserveCapacity(coordinates.count)
    for (index, c) in coordinates.enumerated() {
      try control.checkCancellation()
      let weights = c.u.map { [1 - c.s - $0, c.s, $0] } ?? [1 - c.s, c.s]
      let sae: SAE
      if let corner = weights.firstIndex(of: 1), weights.allSatisfy({ $0 == 0 || $0 == 1 }) {
        sae = ends[corner].0
      } else {
        sae = SAE.combination(matched, weights: weights)
      }
      let m: SAEMetrics
      let loss: Double
      if let sampleSet {
        m = sae.metrics(on: sampleSet, basis: basis)
        var sum = 0.0
        for chunk in sampleSet.chunks {
          sum += Double(chunk.size) * sae.expectedLoss(
            chunk.patterns, plan.finalReconstruction, l1: plan.l1, basis: basis)
        }
        loss = sum / Double(sampleSet.samples)
      } else {
        m = try sae.metrics(on: saeCase.toy, basis: basis, synthetic: false)
        loss = sae.expectedLoss(patterns, plan.finalReconstruction, l1: plan.l1, basis: basis)
      }
      guard m.mse.isFinite, m.l2.isFinite, loss.isFinite else {
        throw FieldError(
          field: "loss", value: "\(loss)",
          reason: "is not finite at s = \(c.s)\(c.u.map { ", u = \($0)" } ?? ""): the SAEs' weights are too large for a Double")
      }
      out.append(.init(s: c.s, u: c.u, mse: m.mse, l2: m.l2, loss: loss))
      control.report(index + 1, of: coordinates.count, "path \(saeCase.name)")
    }
    return SAEPathReport(
      name: saeCase.name, ends: ends.map(\.1), reconstruction: plan.finalReconstruction,
      l1: plan.l1, samples: sampleSet?.samples, seed: sampleSet == nil ? nil : seed,
      matchings: matchings, matchedCosines: cosines, points: out)
  }

  /// Refuses an SAE whose shape is not the case's: latents, dimensions, tying, activation
  /// (and its k), Matryoshka prefixes and balance.
  func check(_ sae: SAE, flag: String, dimensions d: Int) throws {
    let arch = saeCase.architecture
    func refuse(_ what: String) -> FieldError {
      FieldError(flag: flag, value: "", reason: "has \(what): the SAEs of a path must have the case's shape")
    }
    if sae.latents != arch.latents {
      throw refuse("\(sae.latents) latents, the case \(arch.latents)")
    }
    if sae.dimensions != d { throw refuse("\(sae.dimensions) dimensions, the case \(d)") }
    if sae.tied != arch.tied {
      throw refuse(sae.tied ? "a tied encoder, the case's is untied" : "an encoder, the case's SAE is tied")
    }
    let kind: SAEArchitecture.ActivationKind
    let k: Int?
    switch sae.activation {
    case .relu: (kind, k) = (.relu, nil)
    case .topK(let n): (kind, k) = (.topk, n)
    case .batchTopK(let n, _): (kind, k) = (.batchtopk, n)
    }
    if kind != arch.activation || (k != nil && k != arch.topK) {
      throw refuse("activation \(kind.rawValue)\(k.map { " \($0)" } ?? ""), the case \(arch.activation.rawValue)\(arch.topK.map { " \($0)" } ?? "")")
    }
    if sae.prefixes != (arch.matryoshka ?? [arch.latents]) {
      throw refuse("prefixes \(sae.prefixes), the case \(arch.matryoshka ?? [arch.latents])")
    }
    if sae.balance != arch.balance {
      throw refuse("balance \(sae.balance.map { "\($0)" } ?? "none"), the case \(arch.balance.map { "\($0)" } ?? "none")")
    }
  }
}
