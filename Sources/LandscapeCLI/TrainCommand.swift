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
      losses (estimated from --samples draws on a sampled toy). --save writes the SAE \
      file that sae-loss and --init-from read.

      Examples:
        landscape train cases/train-mse-hedges.json --steps 300
        landscape train --p0 0.3 --p01 0.1 --loss snap --steps 400 --json
        landscape train cases/sae-untied-hierarchy.json --plot figs/sae.png
      """)

  @OptionGroup var source: CaseOptions

  @Option(help: "The loss: mse, l2 or snap (MSE, then L2 from --snap-at).")
  var loss: SAETrainingPlan.Loss?

  @Option(
    help: ArgumentHelp(
      "adam (steps of SAELens's optimiser) or lbfgs (limited-memory BFGS on the exact expected loss, every pattern at once, to a stationary point: --gtol; --steps caps its iterations; enumerable toys; snap as MSE to a stationary point, then L2 from there).",
      valueName: "adam|lbfgs"))
  var optimizer: SAETrainingPlan.Optimizer?

  @Option(
    parsing: .unconditional,
    help: "lbfgs: stop when the exact gradient's norm is at most this times the loss, in (0, 1) (default 1e-10).")
  var gtol: Double?

  @Option(parsing: .unconditional, help: "Adam steps (lbfgs: its iteration limit).")
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
  var seed: UInt64?

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
  var biases: LatentTrainingPlan.Biases?

  @Option(
    help:
      "How a batch is drawn: counts (one multinomial of the pattern counts) or samples (every sample: slow, the reference)."
  )
  var sampling: SAETrainingPlan.Data?

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
      "SAE cases: how a step meets the data: exact (the expected loss over every pattern), counts (multinomial pattern counts per batch) or samples (every sample drawn; the only way for a sampled toy: correlated, or with drawn magnitudes).",
      valueName: "exact|counts|samples"))
  var data: SAETrainingPlan.Data?

  @Option(
    help: ArgumentHelp(
      "SAE cases: write the trained SAE to this file (JSON), or as SAELens's folder (a folder, a path ending in /, or a .safetensors file).",
      valueName: "SAE.json|DIR/"))
  var save: String?

  @Option(help: SAEFileFormat.help)
  var format: SAEFileFormat?

  @Option(
    help: ArgumentHelp(
      "SAE cases saved as SAELens's folder: the weights' dtype, float32 (SAELens's default) or float64 (exact).",
      valueName: "float32|float64"))
  var dtype: SAELensDType?

  @Option(
    help: ArgumentHelp(
      "SAE cases: start from this SAE file instead of the seeded initialisation (its decoder norms folded into the encoder, which keeps its function and loss).",
      valueName: "SAE.json|DIR/"))
  var initFrom: String?

  @Option(
    parsing: .unconditional,
    help: "SAE cases on a sampled toy: samples of the final loss estimate.")
  var samples: Int?

  @Option(
    parsing: .unconditional,
    help:
      "SAE cases on an enumerable toy: minimise the exact loss (lbfgs) from this many seeded random starts and from the true features, and report the distinct optima (up to latent order and sign), each certified, beside the true-features SAE.")
  var restarts: Int?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  func validate() throws {
    // Every range is the plan's (`LatentTrainingPlan`, `SAETrainingPlan`), checked once
    // there and named by the flag that set it (`FlagTable`).
    if trajectoryEvery != nil && trajectory == nil {
      throw ValidationError("--trajectory-every: needs --trajectory FILE.csv")
    }
  }

  /// The training flags' overrides of a plan, one rule for a single latent and an SAE: a new
  /// loss other than snap drops the case's snap step, which `--snap-at` sets.
  func overriding(_ plan: inout SAETrainingPlan) {
    if let steps { plan.steps = steps }
    if let batch { plan.batch = batch }
    if let lr { plan.learningRate = lr }
    if let beta1 { plan.beta1 = beta1 }
    if let beta2 { plan.beta2 = beta2 }
    if let seed { plan.seed = seed }
    if let loss {
      plan.loss = loss
      if loss != .snap { plan.snapAt = nil }
    }
    if let snapAt { plan.snapAt = snapAt }
    if let optimizer { plan.optimizer = optimizer }
    if let gtol { plan.gradientTolerance = gtol }
  }

  /// The case's `train` block (nil: the defaults) with the flags' overrides.
  func options(for c: LatentCase, plan: LatentTrainingPlan?) throws -> LatentTrainingPlan {
    var o = try LatentTrainingPlan(for: c, plan: plan)
    overriding(&o.sae)
    if let dim { o.sae.dimension = dim }
    if let initialT { o.initialT = initialT }
    if let initNoise { o.sae.initialNoise = initNoise }
    if let biases { o.biases = biases }
    // lbfgs minimises the exact loss, every pattern at once.
    if optimizer == .lbfgs { o.sae.data = .exact }
    if let sampling { o.sae.data = sampling }
    if let k = trajectoryEvery { o.trajectoryInterval = k }
    if trajectory != nil && trajectoryEvery == nil {
      o.trajectoryInterval = max(1, o.sae.steps / 1000)
    }
    // A figure shows about 60 points of the trajectory, as `reproduce` draws them.
    if plot != nil && trajectory == nil { o.trajectoryInterval = max(1, o.sae.steps / 60) }
    return o
  }

  func run() throws {
    var plan: LatentTrainingPlan? = nil
    if let file = source.caseFile {
      switch try CaseDocument.load(contentsOf: file, overrides: source.set.overrides()) {
      case .sae(let saeCase): return try runSAE(saeCase)
      case .latent(_, let training): plan = training
      }
    }
    for (flag, given) in [
      ("--data", data != nil), ("--save", save != nil), ("--init-from", initFrom != nil),
      ("--samples", samples != nil), ("--format", format != nil), ("--dtype", dtype != nil),
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
    let overridden = OverriddenReport(report, overrides: try source.set.overrides())
    print(
      json ? try ReportJSON.string(overridden) + "\n" : report.text + overridden.textLine,
      terminator: "")
  }

  /// Whether a training flag (or `--l1`, which always sets the trainer's penalty) was given.
  func gave(_ flag: String) -> Bool {
    let given: [String: Bool] = [
      "--steps": steps != nil, "--batch": batch != nil, "--lr": lr != nil,
      "--beta1": beta1 != nil, "--beta2": beta2 != nil, "--seed": seed != nil,
      "--dim": dim != nil, "--init": initialT != nil, "--init-noise": initNoise != nil,
      "--snap-at": snapAt != nil, "--trajectory-every": trajectoryEvery != nil,
      "--sampling": sampling != nil, "--optimizer": optimizer != nil, "--gtol": gtol != nil,
      "--l1": true,
    ]
    return given[flag] ?? false
  }
}

extension SAETrainingPlan.Loss: ExpressibleByArgument {}
extension LatentTrainingPlan.Biases: ExpressibleByArgument {}
extension SAETrainingPlan.Optimizer: ExpressibleByArgument {}
