import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import Reports
import SparseAutoencoders
import Studies
import Training
import ToyModels

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract:
      "Train an SAE with Adam on a case: a tied single latent on the path, or an SAE case's SAE.",
    discussion: """
      A single-latent case: samples activations from the case (GSL's MT19937, seeded; a \
      batch's pattern counts drawn from one multinomial), embeds the features in d \
      dimensions through a seeded random orthonormal basis, and trains with Adam on MSE, \
      L2 or snap loss (MSE, then L2 from --snap-at). Defaults come from the case file's \
      train block, else from the built-in plan; the L1 penalty is the case's (--l1). \
      Reports the learned latent in feature coordinates, the closest t on the path, the \
      decoder bias, the exact expected loss of the learned latent with the case's bias \
      setting (MSE for MSE training, L2 for L2 and snap; sae_loss: the trained SAE's \
      own, its learned biases included) and the samples per second of the step loop.

      An SAE case (a case file with an sae block: many latents, tied or untied, relu, \
      topk or batchtopk, Matryoshka prefixes) trains as its train block says, with \
      --data, --steps, --batch, --lr, --beta1, --beta2, --seed, --loss, --snap-at and \
      --l1 overriding it. Reports per latent the feature it tracks in the decoder and the \
      encoder, the cosine, the largest off-target cosine and the hedging mass (the sum of \
      squared cosines with every other feature), the decoder bias, and the exact expected \
      losses (estimated from --samples draws on a correlated toy). --save writes the SAE \
      file that sae-loss and --init-from read.

      Examples:
        landscape train cases/train-mse-hedges.json --steps 300
        landscape train --p0 0.3 --p01 0.1 --loss snap --steps 400 --json
        landscape train cases/sae-untied-hierarchy.json --plot figs/sae.png
      """)

  @OptionGroup var source: CaseOptions

  @Option(help: "The loss: mse, l2 or snap (MSE, then L2 from --snap-at).")
  var loss: TrainingOptions.Loss?

  @Option(parsing: .unconditional, help: "Adam steps.")
  var steps: Int?

  @Option(parsing: .unconditional, help: "Samples per batch.")
  var batch: Int?

  @Option(parsing: .unconditional, help: "Adam's learning rate.")
  var lr: Double?

  @Option(parsing: .unconditional, help: "Adam's beta1, in [0, 1).")
  var beta1: Double?

  @Option(parsing: .unconditional, help: "Adam's beta2, in [0, 1).")
  var beta2: Double?

  @Option(parsing: .unconditional, help: "The random seed, in 0...4294967295.")
  var seed: Int?

  @Option(
    parsing: .unconditional,
    help: "Embedding dimension d (at least the number of features; default the number of features)."
  )
  var dim: Int?

  @Option(name: .customLong("init"), parsing: .unconditional, help: "Start on the path at this t.")
  var initialT: Double?

  @Option(
    parsing: .unconditional,
    help: "Standard deviation of Gaussian noise added to the initial weights.")
  var initNoise: Double?

  @Option(
    parsing: .unconditional,
    help: "Snap loss: the step that switches MSE to L2 (default: half the steps).")
  var snapAt: Int?

  @Option(help: "The SAE's learned biases: none, decoder (b_dec) or both (b_dec and b_enc).")
  var biases: TrainingOptions.Biases?

  @Option(
    help:
      "How a batch is drawn: counts (one multinomial of the pattern counts) or samples (every sample: slow, the reference)."
  )
  var sampling: TrainingOptions.Sampling?

  @Flag(help: "Print JSON: t, latent, bias, loss, samples_per_second and more.")
  var json = false

  @Option(help: "Write the trajectory (step,t,loss,kind) to this CSV file (atomically).")
  var trajectory: String?

  @Option(
    parsing: .unconditional,
    help: "Trajectory: record every this many steps (default: steps / 1000, at least 1).")
  var trajectoryEvery: Int?

  @Option(
    help:
      "Draw the trajectory over the landscape it is checked against to this file (.png, .svg or .pdf)."
  )
  var plot: String?

  @Option(
    help: ArgumentHelp(
      "SAE cases: how a step meets the data: exact (the expected loss over every pattern), counts (multinomial pattern counts per batch) or samples (every sample drawn; the only way for a correlated toy).",
      valueName: "exact|counts|samples"))
  var data: SAETrainingPlan.Data?

  @Option(help: ArgumentHelp("SAE cases: write the trained SAE to this file.", valueName: "SAE.json"))
  var save: String?

  @Option(
    help: ArgumentHelp(
      "SAE cases: start from this SAE file instead of the seeded initialisation.",
      valueName: "SAE.json"))
  var initFrom: String?

  @Option(
    parsing: .unconditional,
    help: "SAE cases on a correlated toy: samples of the final loss estimate.")
  var samples: Int?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  func validate() throws {
    try positive("--steps", steps, limit: 100_000_000)
    try positive("--batch", batch, limit: Int(UInt32.max))
    try positive("--dim", dim, limit: 100_000)
    try positive("--trajectory-every", trajectoryEvery, limit: Int.max)
    if let lr, !(lr.isFinite && lr > 0 && lr <= 10) {
      throw ValidationError("--lr: \(lr) is not in (0, 10]")
    }
    for (flag, beta) in [("--beta1", beta1), ("--beta2", beta2)] {
      if let beta, !(beta >= 0 && beta < 1) {
        throw ValidationError("\(flag): \(beta) is not in [0, 1)")
      }
    }
    if let seed, !(0...Int(UInt32.max)).contains(seed) {
      throw ValidationError("--seed: \(seed) is not in 0...4294967295")
    }
    if let initialT, !initialT.isFinite {
      throw ValidationError("--init: \(initialT) is not finite")
    }
    if let initNoise, !(initNoise >= 0 && initNoise <= 1e6) {
      throw ValidationError("--init-noise: \(initNoise) is not in [0, 1e6]")
    }
    if let snapAt {
      if snapAt < 0 { throw ValidationError("--snap-at: \(snapAt) is not a whole number >= 0") }
      if let steps, snapAt > steps {
        throw ValidationError("--snap-at: \(snapAt) is above --steps \(steps)")
      }
    }
    if trajectoryEvery != nil && trajectory == nil {
      throw ValidationError("--trajectory-every: needs --trajectory FILE.csv")
    }
  }

  private func positive(_ flag: String, _ value: Int?, limit: Int) throws {
    guard let value else { return }
    if value < 1 { throw ValidationError("\(flag): \(value) is not a positive whole number") }
    if value > limit { throw ValidationError("\(flag): \(value) is above \(limit)") }
  }

  /// The options: the case's train block (or the defaults), overridden by the flags.
  /// The case's `train` block (nil: the defaults) with the flags' overrides.
  func options(for c: Case, plan: TrainingOptions?) throws -> TrainingOptions {
    var o = try TrainingOptions(for: c, plan: plan)
    if let loss { o.loss = loss }
    if let steps { o.steps = steps }
    if let batch { o.batch = batch }
    if let lr { o.learningRate = lr }
    if let beta1 { o.beta1 = beta1 }
    if let beta2 { o.beta2 = beta2 }
    if let seed { o.seed = UInt64(seed) }
    if let dim { o.dimension = dim }
    if let initialT { o.initialT = initialT }
    if let initNoise { o.initialNoise = initNoise }
    if let snapAt { o.snapAt = snapAt }
    if let biases { o.biases = biases }
    if let sampling { o.sampling = sampling }
    if trajectory != nil { o.trajectoryInterval = trajectoryEvery ?? max(1, o.steps / 1000) }
    // A figure shows about 60 points of the trajectory, as `reproduce` draws them.
    if plot != nil && trajectory == nil { o.trajectoryInterval = max(1, o.steps / 60) }
    return o
  }

  func run() throws {
    var plan: TrainingOptions? = nil
    if let file = source.caseFile {
      switch try CaseDocument.load(contentsOf: file) {
      case .sae(let study): return try runSAE(study)
      case .landscape(_, let training): plan = training
      }
    }
    for (flag, given) in [
      ("--data", data != nil), ("--save", save != nil), ("--init-from", initFrom != nil),
      ("--samples", samples != nil),
    ] where given {
      throw FieldError(
        flag: flag, value: "", reason: "applies to SAE cases only (a case file with an sae block)")
    }
    let c = try source.resolve()
    if let trajectory { try OutputFile.check(trajectory, field: "--trajectory") }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    let report = try FlagTable.naming(given: gave) {
      try withTerminalProgress {
        try LatentCaseTraining(c, options: try options(for: c, plan: plan)).run($0)
      }
    }
    if let trajectory {
      try OutputFile.write(Data(report.trajectoryCSV.utf8), to: trajectory, field: "--trajectory")
    }
    if let plot {
      let chart = try Figures.trainedChart(c, options: report.options, result: report.result)
      try FigureFile.write(chart, to: plot, size: plotSize)
    }
    print(json ? try ReportJSON.string(report) + "\n" : report.text, terminator: "")
  }

  /// Whether a training flag (or `--l1`, which always sets the trainer's penalty) was given.
  private func gave(_ flag: String) -> Bool {
    let given: [String: Bool] = [
      "--steps": steps != nil, "--batch": batch != nil, "--lr": lr != nil,
      "--beta1": beta1 != nil, "--beta2": beta2 != nil, "--seed": seed != nil,
      "--dim": dim != nil, "--init": initialT != nil, "--init-noise": initNoise != nil,
      "--snap-at": snapAt != nil, "--l1": true,
    ]
    return given[flag] ?? false
  }
}

extension TrainingOptions.Loss: ExpressibleByArgument {}
extension TrainingOptions.Biases: ExpressibleByArgument {}
extension TrainingOptions.Sampling: ExpressibleByArgument {}
