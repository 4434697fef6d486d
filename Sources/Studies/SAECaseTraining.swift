import Foundation
import Landscape
import Reports
import SparseAutoencoders
import ToyModels

/// Training an SAE case: its SAE trained as the plan says, and the report of what it learned.
///
/// What `landscape train` does on a case file with an `sae` block, and what `validate` and
/// `reproduce` do for such a case.
public struct SAECaseTraining: Sendable {
  public var saeCase: SAECase
  public var plan: SAETrainingPlan
  /// The SAE to start from (an SAE file's, in feature coordinates); nil: the architecture's
  /// seeded initialisation.
  public var initial: SAE?
  /// Where `initial` came from, as the report names it.
  public var initFrom: String?
  /// Correlated toys: the samples of the final losses' estimate, >= 1.
  public var samples: Int

  public init(
    saeCase: SAECase, plan: SAETrainingPlan, initial: SAE? = nil, initFrom: String? = nil,
    samples: Int = 100_000
  ) {
    self.saeCase = saeCase
    self.plan = plan
    self.initial = initial
    self.initFrom = initFrom
    self.samples = samples
  }

  /// The trained SAE, the features' embedding (nil when d = n) and the report.
  public struct Trained: Sendable {
    public var sae: SAE
    public var embedding: FeatureEmbedding?
    public var report: SAETrainingReport
  }

  /// The features' embedding in d > n dimensions (the trainer draws the same); nil when d = n.
  public var embedding: FeatureEmbedding? { plan.embedding(features: saeCase.features.count) }

  /// The initial SAE: `initial`, else the architecture's seeded initialisation.
  public func initialSAE() throws -> SAE {
    if let initial { return initial }
    do {
      return try saeCase.architecture.initialSAE(
        dimensions: plan.dimension ?? saeCase.features.count, seed: plan.seed,
        basis: embedding?.basis)
    } catch let e as FieldError {
      throw e.within("sae")
    }
  }

  /// Trains and reports; progress every 1% of the steps. With `plan.starts` > 1, one run per
  /// seed (seed, seed + 1, ...) and the one of lowest exact training loss kept:
  ///
  ///     L = sum_j p_j loss(x_j)   (`SAE.expectedLoss`: the final reconstruction loss, L1
  ///                                with the plan's lambda and the SAE's L1 weights)
  ///
  /// the first of equal losses; the report's `training.starts` lists every seed's L and
  /// `training.seed` is the kept one.
  ///
  /// - Parameters:
  ///   - watch: called with the SAE's state as it trains (`SAETrainingUpdate`: the step, the
  ///     batch loss, the decoder and encoder cosines with the true features), at most every
  ///     `interval` seconds of wall time, and at the last step; on the training's thread.
  ///     With several starts, each start's run in turn.
  ///   - interval: seconds between updates, >= 0.
  /// - Throws: `FieldError` for a plan the toy cannot train (starts > 1 on a sampled toy);
  ///   `CancellationError`.
  public func run(
    _ control: RunControl = .none, watch: ((SAETrainingUpdate) -> Void)? = nil,
    interval: Double = 0.1
  ) throws -> Trained {
    guard plan.starts > 1 else { return try runOnce(control, watch: watch, interval: interval) }
    guard let patterns = saeCase.toy.patterns else {
      throw FieldError(
        field: "train.starts", value: "\(plan.starts)",
        reason: "compares exact losses: it needs an enumerable toy (patterns or hierarchy)")
    }
    var best: (trained: Trained, loss: Double)?
    var losses: [SAETrainingReport.Start] = []
    for s in 0..<plan.starts {
      var one = self
      one.plan.seed = plan.seed + UInt64(s)
      one.plan.starts = 1
      let trained = try one.runOnce(control, watch: watch, interval: interval)
      let loss = trained.sae.expectedLoss(
        patterns, one.plan.finalReconstruction, l1: one.plan.l1, basis: trained.embedding?.basis)
      losses.append(SAETrainingReport.Start(seed: one.plan.seed, loss: loss))
      if best == nil || loss < best!.loss { best = (trained, loss) }
    }
    var kept = best!.trained
    kept.report.training.starts = losses
    return kept
  }

  /// One run of the plan at its seed, reported.
  func runOnce(
    _ control: RunControl, watch: ((SAETrainingUpdate) -> Void)?, interval: Double
  ) throws -> Trained {
    if initial != nil, let d = plan.dimension, d != saeCase.features.count {
      throw FieldError(
        flag: "--init-from", value: "", reason: "reads an SAE in feature coordinates (d = n)")
    }
    let label = "training \(saeCase.name)"
    let every = max(1, plan.steps / 100)
    let run: SAETrainingRun
    do {
      // Checked before the embedding (d x d numbers) and the SAE are built.
      try plan.check(
        features: saeCase.features.count, dimensions: plan.dimension ?? saeCase.features.count,
        enumerable: saeCase.toy.patterns != nil)
      let clock = ContinuousClock()
      var last: ContinuousClock.Instant? = nil
      let basis = embedding?.basis
      run = try initialSAE().trainingRun(
        on: saeCase.toy, plan,
        observe: { p in
          if p.step % every == 0 { control.report(p.step, of: p.steps, label) }
          guard let watch else { return }
          let now = clock.now
          if p.step == p.steps || last.map({ (now - $0) / .seconds(1) >= interval }) ?? true {
            last = now
            watch(SAETrainingUpdate(p, basis: basis))
          }
        }, isCancelled: control.isCancelled)
    } catch let e as FieldError {
      throw e.within("train")
    }
    if let step = run.divergedAt { throw plan.divergence(atStep: step) }
    let seconds = run.seconds
    var timing = SAETrainingReport.Timing(
      seconds: seconds, samplingSeconds: run.samplingSeconds,
      gradientSeconds: run.gradientSeconds, distinctPatterns: run.distinctPatterns,
      waitingSeconds: run.phases?.waiting, forwardSeconds: run.phases?.forward,
      backwardSeconds: run.phases?.backward, adamSeconds: run.phases?.adam)
    if plan.data == .exact {
      // An Adam step over every pattern; lbfgs reports its iterations instead.
      timing.secondsPerEpoch =
        plan.steps > 0 && run.minimisation == nil ? seconds / Double(plan.steps) : nil
    } else {
      timing.samples = plan.steps * plan.batch
      timing.samplesPerSecond = seconds > 0 ? Double(plan.steps * plan.batch) / seconds : nil
    }
    let report = try SAEReport(
      run.sae, saeCase: saeCase, basis: run.embedding?.basis, samples: samples, seed: plan.seed)
    // lbfgs's point, certified (`SAE.certificate`) where the tangent space is small enough.
    var certificate: SAECertificate?
    if run.minimisation != nil, let patterns = saeCase.toy.patterns {
      let dimensions = run.sae.latents * (run.sae.dimensions * (run.sae.tied ? 1 : 2))
      if dimensions <= SAECertificate.dimensionLimit {
        certificate = try run.sae.certificate(
          on: patterns, basis: run.embedding?.basis, reconstruction: plan.finalReconstruction,
          l1: plan.l1, trainsEncoderBias: plan.trainsEncoderBias,
          trainsDecoderBias: plan.trainsDecoderBias)
      }
    }
    return Trained(
      sae: run.sae, embedding: run.embedding,
      report: SAETrainingReport(
        report: report, training: settings, timing: timing, minimisation: run.minimisation,
        certificate: certificate))
  }

  /// The plan as the report's `training` block.
  public var settings: SAETrainingReport.Settings {
    SAETrainingReport.Settings(
      data: plan.data.rawValue,
      loss: plan.loss.rawValue, snapAt: plan.loss == .snap ? plan.switchStep : nil,
      l1: plan.l1, steps: plan.steps, batch: plan.data == .exact ? nil : plan.batch,
      lr: plan.learningRate, beta1: plan.beta1, beta2: plan.beta2, seed: plan.seed,
      initFrom: initFrom, optimizer: plan.optimizer == .adam ? nil : plan.optimizer.rawValue,
      gtol: plan.optimizer == .adam ? nil : plan.gradientTolerance,
      l1PerPrefix: saeCase.architecture.l1PerPrefix ? true : nil)
  }
}

/// What `landscape train --json` prints for an SAE case: the SAE's report, the training
/// settings and how long it took.
public struct SAETrainingReport: Encodable, Sendable {
  public var report: SAEReport
  public var training: Settings
  public var timing: Timing
  /// lbfgs: what the minimiser did (JSON `minimisation`); nil for Adam.
  public var minimisation: SAEMinimisation? = nil
  /// lbfgs: the certificate of its point (JSON `certificate`; see `SAECertificate`); nil for
  /// Adam, a sampled toy or more than `SAECertificate.dimensionLimit` tangent dimensions.
  public var certificate: SAECertificate? = nil

  /// How the data met the trainer, and how long it took.
  public struct Timing: Encodable, Sendable {
    public var seconds: Double
    /// Drawing the batches (on a second thread, beside the steps), and the gradient steps
    /// (loss, gradient, Adam, renormalisation).
    public var samplingSeconds: Double
    public var gradientSeconds: Double
    /// Distinct patterns per step, on average: what a step costs.
    public var distinctPatterns: Double
    /// Adam runs (`SAETrainingPhases`): what the steps waited for the drawing thread, and the
    /// gradient steps split into forward, backward and Adam; nil otherwise.
    public var waitingSeconds: Double? = nil
    public var forwardSeconds: Double? = nil
    public var backwardSeconds: Double? = nil
    public var adamSeconds: Double? = nil
    /// Samples drawn (counts and samples); nil for exact.
    public var samples: Int?
    public var samplesPerSecond: Double?
    /// Exact: seconds per step, one step being one pass over every pattern.
    public var secondsPerEpoch: Double?

    enum CodingKeys: String, CodingKey {
      case seconds, samplingSeconds = "sampling_seconds", gradientSeconds = "gradient_seconds"
      case distinctPatterns = "distinct_patterns", samples
      case waitingSeconds = "waiting_seconds", forwardSeconds = "forward_seconds"
      case backwardSeconds = "backward_seconds", adamSeconds = "adam_seconds"
      case samplesPerSecond = "samples_per_second"
      case secondsPerEpoch = "seconds_per_epoch"
    }
  }

  /// The plan as the JSON's `training` block.
  public struct Settings: Encodable, Sendable {
    public var data: String
    public var loss: String
    public var snapAt: Int?
    public var l1: Double
    public var steps: Int
    public var batch: Int?
    public var lr: Double
    public var beta1: Double
    public var beta2: Double
    public var seed: UInt64
    public var initFrom: String?
    /// lbfgs and its gradient tolerance; nil (absent from the JSON) for Adam.
    public var optimizer: String? = nil
    public var gtol: Double? = nil
    /// Several starts (`SAETrainingPlan.starts`): each seed's exact training loss, the kept
    /// one (`seed`) the lowest; nil (absent) for one start.
    public var starts: [Start]? = nil
    /// True when the SAE counts L1 per Matryoshka prefix (`SAE.l1PerPrefix`); nil (absent)
    /// when it counts each latent once.
    public var l1PerPrefix: Bool? = nil

    enum CodingKeys: String, CodingKey {
      case data, loss, snapAt = "snap_at", l1, steps, batch, lr, beta1, beta2, seed
      case initFrom = "init_from", optimizer, gtol, starts, l1PerPrefix = "l1_per_prefix"
    }
  }

  /// One start of several: its seed and the exact training loss it reached.
  public struct Start: Encodable, Sendable {
    public var seed: UInt64
    public var loss: Double
  }

  public func encode(to encoder: Encoder) throws {
    try report.encode(to: encoder)
    enum Keys: String, CodingKey { case training, timing, minimisation, certificate }
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(training, forKey: .training)
    try c.encode(timing, forKey: .timing)
    try c.encodeIfPresent(minimisation, forKey: .minimisation)
    try c.encodeIfPresent(certificate, forKey: .certificate)
  }

  /// The text report: per latent, what decoder and encoder track and how much they hedge.
  public func text(_ saeCase: SAECase) -> String {
    let r = report
    let s = training
    let t = timing
    func f(_ x: Double) -> String { TextTable.decimal(x) }
    let pad = TextTable.pad
    var out = "\(saeCase.name): \(saeCase.title)\n"
    let a = saeCase.architecture
    var shape = "\(a.latents) latent\(a.latents == 1 ? "" : "s"), \(a.tied ? "tied" : "untied"), "
    shape += a.activation.rawValue + (a.topK.map { " k = \($0)" } ?? "")
    if let m = a.matryoshka { shape += ", Matryoshka " + m.map(String.init).joined(separator: "/") }
    if let beta = a.balance { shape += " balanced (beta = \(beta))" }
    var how = "\(s.loss.uppercased()) training"
    if let snap = s.snapAt { how += " (L2 from step \(snap))" }
    if let g = s.gtol {
      how += ", lbfgs to gradient \(g) x loss (at most \(s.steps) iterations), data \(s.data)"
    } else {
      how += ", \(s.steps) steps, data \(s.data)"
      if let b = s.batch { how += " (batch \(b))" }
      how += ", lr \(s.lr)"
    }
    how += ", seed \(s.seed)"
    if s.l1 > 0 { how += ", L1 \(s.l1)" + (s.l1PerPrefix == true ? " per prefix" : "") }
    out += shape + "; " + how + "\n"
    if let starts = s.starts {
      out += "best of \(starts.count) starts (exact training loss by seed: "
      out += starts.map { "\($0.seed) \($0.loss)" }.joined(separator: ", ") + ")\n"
    }
    out += "\n"
    let width = max(6, r.features.map(\.count).max() ?? 6)
    out += "latent  " + pad("decoder", width + 38) + "encoder\n"
    out += "        " + pad("tracks", width + 2) + "cos      off      hedging mass  "
    out += pad("tracks", width + 2) + "cos      off      hedging mass\n"
    for (d, e) in zip(r.decoderLatents, r.encoderLatents) {
      var line = pad("\(d.latent)", 8)
      for l in [d, e] {
        line += pad(l.tracks, width + 2) + pad(f(l.cos), 9) + pad(f(l.offTarget), 9)
        line += pad(f(l.hedgingMass), 14)
      }
      out += TextTable.trimmed(line) + "\n"
    }
    out += "\ndecoder bias: "
    out += zip(r.features, r.decoderBias).map { "\($0) \(f($1))" }.joined(separator: ", ") + "\n"
    let m = r.metrics
    out += "losses (\(m.how)): "
    out += m.named.map { "\($0.name) \($0.text)" }.joined(separator: ", ") + "\n"
    if let s = m.synthetic { out += s.line + "\n" }
    if let o = minimisation {
      let why =
        switch o.stop {
        case .converged: "converged"
        case .noProgress: "stopped: no progress (a kink of the loss or the arithmetic's precision)"
        case .iterationLimit: "stopped at the iteration limit"
        }
      out += "lbfgs: \(why) after \(o.iterations) iterations (\(o.evaluations) evaluations); "
      out += "gradient norm \(o.gradientNorm) (tolerance \(o.tolerance)), loss \(o.loss)\n"
    }
    if let c = certificate {
      out += "certificate: \(c.verdict.rawValue) (Hessian eigenvalues \(c.smallestEigenvalue) to "
      out += "\(c.largestEigenvalue), \(c.flatDirections) flat; margin \(c.margin)"
      if let s = c.subgradientNorm { out += "; \(c.kinkPairs) kinks, smallest subgradient \(s)" }
      out += ")\n"
    }
    out += "time: \(String(format: "%.3g", t.seconds)) s"
    out += String(
      format: " (sampling %.3g s, gradient %.3g s, %.0f distinct patterns a step)",
      t.samplingSeconds, t.gradientSeconds, t.distinctPatterns)
    if let sps = t.samplesPerSecond { out += " (\(String(format: "%.4g", sps)) samples/s)" }
    if let e = t.secondsPerEpoch { out += " (\(String(format: "%.3g", e)) s per exact step)" }
    return out + "\n"
  }
}

/// Reading SAE files, naming the flag (or field) in errors.
public enum SAEFiles {
  /// The SAE at `path` (in `format`, else as `SAEFileLocation` chooses by the path), whose
  /// features must be `features` (the case's), in order. An SAELens SAE that does not keep
  /// its features' names in its metadata is read in the case's features when its d_in is
  /// their number; in more dimensions it is refused (its feature directions are not read).
  ///   `dimensions`: an SAELens SAE of that d_in (the features' directions given elsewhere,
  ///   `--features`) is read in the case's features too.
  public static func read(
    _ path: String, field: String, features: [String], format: SAEFileFormat? = nil,
    dimensions: Int? = nil
  ) throws -> SAEFile {
    let file: SAEFile
    do {
      switch SAEFileLocation(path, format: format) {
      case .json(let path):
        let data = try InputFile.contents(of: path, field: field, kind: .usage)
        do { file = try SAEFile(json: data) } catch let e as FieldError { throw Refusal(e) }
      case .saelens(let config, let weights, _):
        let configData = try InputFile.contents(of: config, field: field, kind: .usage)
        let weightsData = try InputFile.contents(of: weights, field: field, kind: .usage)
        do {
          let read = try SAELensFiles.file(
            config: configData, weights: weightsData, weightsSource: weights)
          guard read.features != nil || read.sae.dimensions == features.count
            || read.sae.dimensions == dimensions
          else {
            throw FieldError(
              flag: field, value: "",
              reason:
                "has d_in \(read.sae.dimensions), the case \(features.count) features: an SAELens SAE in more dimensions needs the features' directions (sae-loss --features)")
          }
          file = SAEFile(features: read.features ?? features, sae: read.sae)
        } catch let e as FieldError where e.field != field { throw Refusal(e) }
      }
    } catch let refusal as Refusal {
      throw FieldError(
        flag: field, value: escapedForMessage(path), reason: "is not an SAE file: \(refusal.error)")
    }
    guard file.features == features else {
      throw FieldError(
        flag: field, value: "",
        reason:
          "has features \(listForMessage(file.features)), the case \(listForMessage(features))")
    }
    return file
  }

  /// A file's content error, reported under the flag that named the file.
  private struct Refusal: Error {
    var error: FieldError
    init(_ error: FieldError) { self.error = error }
  }
}

/// An SAE as it trains, as the page draws it: the step, the batch loss, and the decoder's and
/// the encoder's cosines with the true features (latents x features).
///
/// JSON: `step`, `steps`, `loss` (null before the first step), `decoder_cos`, `encoder_cos`.
public struct SAETrainingUpdate: Sendable, Encodable {
  public var step: Int
  public var steps: Int
  public var loss: Double?
  public var decoderCos: [[Double]]
  public var encoderCos: [[Double]]

  enum CodingKeys: String, CodingKey {
    case step, steps, loss, decoderCos = "decoder_cos", encoderCos = "encoder_cos"
  }

  /// The update of a training's progress; `basis` the features' directions when d > n.
  public init(_ p: SAETrainingProgress, basis: [[Double]]?) {
    let reading = SAEReading(p.sae, basis: basis)
    step = p.step
    steps = p.steps
    loss = p.loss.isFinite ? p.loss : nil
    decoderCos = reading.decoderCos
    encoderCos = reading.encoderCos
  }
}
