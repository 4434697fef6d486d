import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import SparseAutoencoders
import Reports
import ToyModels

/// `landscape sae-loss`: the exact expected losses of a given SAE on a case's toy model.
struct SAELossCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sae-loss",
    abstract: "The exact expected mse, l2, sparsity and l0 of an SAE (an SAE file) on a case.",
    discussion: """
      The SAE file is what `landscape train --save` writes (see README). On an enumerable \
      toy (patterns or hierarchy, and every single-latent case) the expectations are exact \
      sums over the patterns; on a correlated toy they are estimated from --samples draws, \
      and the output says so. The SAE's features must be the case's, in the same order.

      Examples:
        landscape sae-loss cases/sae-untied-hierarchy.json --sae sae.json
        landscape sae-loss cases/single-latent-toy.json --sae sae.json --json
      """)

  @Argument(help: "A case file (JSON): an SAE case, or a single-latent case (its patterns).")
  var caseFile: String

  @Option(help: ArgumentHelp("The SAE file (JSON).", valueName: "SAE.json"))
  var sae: String

  @Option(help: "Correlated toys: the number of samples of the estimate.")
  var samples = 100_000

  @Option(help: "Correlated toys: the random seed of the estimate's samples, in 0...4294967295.")
  var seed = 1

  @Flag(help: "Print JSON: mse, l2, sparsity, l0, exact, samples.")
  var json = false

  func validate() throws {
    if !(1...1_000_000_000).contains(samples) {
      throw ValidationError("--samples: \(samples) is not in 1...1000000000")
    }
    if !(0...Int(UInt32.max)).contains(seed) {
      throw ValidationError("--seed: \(seed) is not in 0...4294967295")
    }
  }

  func run() throws {
    let toy: ToyModel
    let name: String
    switch try CaseDocument.load(contentsOf: caseFile) {
    case .landscape(let c, _):
      toy = c.toyModel
      name = c.name
    case .sae(let study):
      toy = study.toy
      name = study.name
    }
    let file = try SAEFiles.read(sae, field: "--sae", features: toy.features)
    let m = file.sae.metrics(on: toy, samples: samples, seed: UInt64(seed))
    if json {
      print(try ReportJSON.string(m))
    } else {
      let how = m.exact ? "exact" : "estimated from \(m.samples ?? 0) samples"
      print("\(name): \(file.sae.latents) latents (\(how))")
      print("mse:      \(m.mse)")
      print("l2:       \(m.l2)")
      print("sparsity: \(m.sparsity)")
      print("l0:       \(m.l0)")
    }
  }
}

/// Reading and writing SAE files, naming the flag in errors.
enum SAEFiles {
  /// The SAE file at `path`, whose features must be `features` (the case's), in order.
  static func read(_ path: String, field: String, features: [String]) throws -> SAEFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CaseError(field: field, value: escapedForMessage(path), reason: "cannot be read")
    }
    let file: SAEFile
    do {
      file = try SAEFile(json: data)
    } catch let e as ToyModelError {
      throw CaseError(field: field, value: escapedForMessage(path), reason: "is not an SAE file: \(e)")
    }
    guard file.features == features else {
      throw CaseError(
        field: field, value: "",
        reason:
          "has features \(listForMessage(file.features)), the case \(listForMessage(features))")
    }
    return file
  }

  static func write(_ file: SAEFile, to path: String, field: String) throws {
    var data = try file.json()
    data.append(contentsOf: Array("\n".utf8))
    try OutputFile.write(data, to: path, field: field)
  }
}

/// Training an SAE case: what `landscape train` does when the case file has an `sae` block.
struct SAETraining {
  var study: SAEStudy
  var plan: SAETrainingPlan
  var initFrom: String?

  /// How the data met the trainer, and how long it took.
  struct Timing: Encodable {
    var seconds: Double
    /// Drawing the batches, and the gradient steps (loss, gradient, Adam, renormalisation).
    var samplingSeconds: Double
    var gradientSeconds: Double
    /// Distinct patterns per step, on average: what a step costs.
    var distinctPatterns: Double
    /// Samples drawn (counts and samples); nil for exact.
    var samples: Int?
    var samplesPerSecond: Double?
    /// Exact: seconds per step, one step being one pass over every pattern.
    var secondsPerEpoch: Double?

    enum CodingKeys: String, CodingKey {
      case seconds, samplingSeconds = "sampling_seconds", gradientSeconds = "gradient_seconds"
      case distinctPatterns = "distinct_patterns", samples
      case samplesPerSecond = "samples_per_second"
      case secondsPerEpoch = "seconds_per_epoch"
    }
  }

  /// The plan as the JSON's `training` block.
  struct Settings: Encodable {
    var data: String
    var loss: String
    var snapAt: Int?
    var l1: Double
    var steps: Int
    var batch: Int?
    var lr: Double
    var beta1: Double
    var beta2: Double
    var seed: UInt64
    var initFrom: String?

    enum CodingKeys: String, CodingKey {
      case data, loss, snapAt = "snap_at", l1, steps, batch, lr, beta1, beta2, seed
      case initFrom = "init_from"
    }
  }

  struct Output: Encodable {
    var report: SAEReport
    var training: Settings
    var timing: Timing
    func encode(to encoder: Encoder) throws {
      try report.encode(to: encoder)
      enum Keys: String, CodingKey { case training, timing }
      var c = encoder.container(keyedBy: Keys.self)
      try c.encode(training, forKey: .training)
      try c.encode(timing, forKey: .timing)
    }
  }

  /// The features' embedding in d > n dimensions (the trainer draws the same); nil when d = n.
  var embedding: FeatureEmbedding? { plan.embedding(features: study.features.count) }

  /// The initial SAE: the `--init-from` file, else the architecture's seeded initialisation.
  func initialSAE() throws -> SAE {
    guard let initFrom else {
      do {
        return try study.architecture.initialSAE(
          dimensions: plan.dimension ?? study.features.count, seed: plan.seed,
          basis: embedding?.basis)
      } catch let e as ToyModelError {
        throw CaseError(field: "sae", value: "", reason: e.description)
      }
    }
    return try SAEFiles.read(initFrom, field: "--init-from", features: study.features).sae
  }

  /// Trains, returning the trained SAE, the features' embedding (nil when d = n) and the
  /// timing.
  func run() throws -> (SAE, FeatureEmbedding?, Timing) {
    if initFrom != nil, let d = plan.dimension, d != study.features.count {
      throw CaseError(
        field: "--init-from", value: "", reason: "reads an SAE in feature coordinates (d = n)")
    }
    let run: SAETrainingRun
    do {
      run = try initialSAE().trainingRun(on: study.toy, plan)
    } catch let e as ToyModelError {
      throw CaseError(field: "train", value: "", reason: e.description)
    }
    let seconds = run.seconds
    var timing = Timing(
      seconds: seconds, samplingSeconds: run.samplingSeconds,
      gradientSeconds: run.gradientSeconds, distinctPatterns: run.distinctPatterns)
    if plan.data == .exact {
      timing.secondsPerEpoch = plan.steps > 0 ? seconds / Double(plan.steps) : nil
    } else {
      timing.samples = plan.steps * plan.batch
      timing.samplesPerSecond = seconds > 0 ? Double(plan.steps * plan.batch) / seconds : nil
    }
    return (run.sae, run.embedding, timing)
  }

  var settings: Settings {
    Settings(
      data: plan.data.rawValue,
      loss: plan.snapAt != nil ? "snap" : plan.loss.rawValue, snapAt: plan.snapAt,
      l1: plan.l1, steps: plan.steps, batch: plan.data == .exact ? nil : plan.batch,
      lr: plan.learningRate, beta1: plan.beta1, beta2: plan.beta2, seed: plan.seed,
      initFrom: initFrom)
  }

  /// The text report: per latent, what decoder and encoder track and how much they hedge.
  static func text(_ r: SAEReport, _ study: SAEStudy, _ s: Settings, _ t: Timing) -> String {
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    var out = "\(study.name): \(study.title)\n"
    let a = study.architecture
    var shape = "\(a.latents) latent\(a.latents == 1 ? "" : "s"), \(a.tied ? "tied" : "untied"), "
    shape += a.activation.rawValue + (a.topK.map { " k = \($0)" } ?? "")
    if let m = a.matryoshka { shape += ", Matryoshka " + m.map(String.init).joined(separator: "/") }
    if let beta = a.balance { shape += " balanced (beta = \(beta))" }
    var how = "\(s.loss.uppercased()) training"
    if let snap = s.snapAt { how += " (L2 from step \(snap))" }
    how += ", \(s.steps) steps, data \(s.data)"
    if let b = s.batch { how += " (batch \(b))" }
    how += ", lr \(s.lr), seed \(s.seed)"
    if s.l1 > 0 { how += ", L1 \(s.l1)" }
    out += shape + "; " + how + "\n\n"
    let width = max(6, r.features.map(\.count).max() ?? 6)
    out += "latent  " + pad("decoder", width + 33) + "encoder\n"
    out += "        " + pad("tracks", width + 2) + "cos      off      hedging  "
    out += pad("tracks", width + 2) + "cos      off      hedging\n"
    for (d, e) in zip(r.decoderLatents, r.encoderLatents) {
      out += pad("\(d.latent)", 8)
      for l in [d, e] {
        out += pad(l.tracks, width + 2) + pad(f(l.cos), 9) + pad(f(l.offTarget), 9)
        out += pad(f(l.hedgingMass), 9)
      }
      out = String(out.reversed().drop { $0 == " " }.reversed()) + "\n"
    }
    out += "\ndecoder bias: "
    out += zip(r.features, r.decoderBias).map { "\($0) \(f($1))" }.joined(separator: ", ") + "\n"
    let m = r.metrics
    out += "losses (\(m.exact ? "exact" : "estimated from \(m.samples ?? 0) samples")): "
    out += "mse \(m.mse), l2 \(m.l2), sparsity \(m.sparsity), l0 \(m.l0)\n"
    out += "time: \(String(format: "%.3g", t.seconds)) s"
    out += String(
      format: " (sampling %.3g s, gradient %.3g s, %.0f distinct patterns a step)",
      t.samplingSeconds, t.gradientSeconds, t.distinctPatterns)
    if let sps = t.samplesPerSecond { out += " (\(String(format: "%.4g", sps)) samples/s)" }
    if let e = t.secondsPerEpoch { out += " (\(String(format: "%.3g", e)) s per exact step)" }
    return out + "\n"
  }
}

extension SAETrainingPlan.Data: ExpressibleByArgument {}

extension SAETrainingPlan {
  /// `--dim`: the toy's n features embedded in d dimensions (d = n: feature coordinates).
  mutating func embed(inDimensions d: Int, features n: Int) throws {
    guard d >= n else {
      throw CaseError(
        field: "--dim", value: "\(d)", reason: "is below the number of features (\(n))")
    }
    dimension = d == n ? nil : d
  }
}

extension TrainCommand {
  /// `train` on an SAE case: the case's plan with the flags' overrides; report, save, plot.
  func runSAE(_ study: SAEStudy) throws {
    let plan = try saePlan(study)
    if let save { try OutputFile.check(save, field: "--save") }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    let training = SAETraining(study: study, plan: plan, initFrom: initFrom)
    if save != nil, let d = plan.dimension, d != study.features.count {
      throw CaseError(
        field: "--save", value: "", reason: "writes an SAE in feature coordinates (d = n)")
    }
    let (sae, embedding, timing) = try training.run()
    let report = SAEReport(
      sae, study: study, basis: embedding?.basis, samples: samples ?? 100_000, seed: plan.seed)
    if let save {
      try SAEFiles.write(SAEFile(features: study.features, sae: sae), to: save, field: "--save")
    }
    if let plot {
      try FigureFile.write(Figures.latentCosines(report, title: study.title), to: plot, size: plotSize)
    }
    if json {
      print(
        try ReportJSON.string(
          SAETraining.Output(report: report, training: training.settings, timing: timing)))
    } else {
      print(SAETraining.text(report, study, training.settings, timing), terminator: "")
    }
  }

  /// The SAE case's plan with the flags' overrides; flags that do not apply are refused.
  func saePlan(_ study: SAEStudy) throws -> SAETrainingPlan {
    for (flag, given) in [
      ("--init", initialT != nil), ("--init-noise", initNoise != nil),
      ("--biases", biases != nil), ("--sampling", sampling != nil),
      ("--trajectory", trajectory != nil), ("--trajectory-every", trajectoryEvery != nil),
      ("--bias", source.model.bias != nil), ("--t-min", source.model.tMin != nil),
      ("--t-max", source.model.tMax != nil),
      ("--parent-magnitude", source.model.parentMagnitude != nil),
      ("--child-magnitude", source.model.childMagnitude != nil),
    ] where given {
      throw CaseError(
        field: flag, value: "", reason: "does not apply to an SAE case (\(study.name) has an sae block)")
    }
    var plan = study.plan
    if let data {
      if data != .samples && study.toy.patterns == nil {
        throw CaseError(
          field: "--data", value: data.rawValue,
          reason: "needs an enumerable toy (patterns or hierarchy): \(study.name) is sampled")
      }
      plan.data = data
    }
    if let steps { plan.steps = steps }
    if let batch { plan.batch = batch }
    if let lr { plan.learningRate = lr }
    if let beta1 { plan.beta1 = beta1 }
    if let beta2 { plan.beta2 = beta2 }
    if let seed { plan.seed = UInt64(seed) }
    if let dim { try plan.embed(inDimensions: dim, features: study.features.count) }
    if let l1 = source.model.l1 {
      guard l1.isFinite && l1 >= 0 else {
        throw CaseError(field: "--l1", value: "\(l1)", reason: "is not a number >= 0")
      }
      plan.l1 = l1
    }
    // A new --steps moves the case's snap step no further than the steps.
    let schedule = loss.flatMap { SAETrainingPlan.Schedule(rawValue: $0.rawValue) } ?? plan.schedule
    let keptSnap = loss == nil ? plan.snapAt.map { min($0, plan.steps) } : nil
    do {
      try plan.setSchedule(schedule, snapAt: snapAt ?? keptSnap)
    } catch let e as ToyModelError {
      throw CaseError(
        field: "--snap-at", value: "", reason: String(e.description.dropFirst("snap_at: ".count)))
    }
    return plan
  }
}
