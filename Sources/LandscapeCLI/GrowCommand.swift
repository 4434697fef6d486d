import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import Reports
import SparseAutoencoders
import Studies
import ToyModels

/// `landscape grow`: train an SAE, add latents, train again; how the existing latents move.
struct GrowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "grow",
    abstract:
      "Grow an SAE case's SAE and measure how its existing latents move (the paper's evidence of hedging).",
    discussion: """
      Trains the case's SAE (a plain relu SAE, the case's train block) at --start latents, \
      adds --add latents (random rows of norm 0.1 in encoder and decoder, as the authors' \
      extend_sae starts them), trains all of them again for the same number of steps, and \
      repeats up to --to. By the authors' protocol (--protocol control) each growth also \
      trains the SAE before growing for the same steps and seed without new latents (the \
      control), and the change dW of the existing decoder rows is extended - control; with \
      --protocol continue it is extended - the SAE before growing. After each growth: the \
      fraction ||P_new dW||^2 / ||dW||^2 of dW that \
      lies in the span of the new latents' decoder rows, the same for --draws random \
      subspaces of the same dimension (the paper's baseline), and the hedging degree of the \
      SAE before the growth (the authors' hedging_rate: see README); at every width the \
      decoder bias's norm and the true hedging mass (mean over latents). Use train.dim (or \
      --dim) above the number of features to embed the toy in more dimensions, as the \
      paper's LLM SAEs are: with d = n a random subspace of m dimensions already holds m/n.

      A case's grow block sets the defaults (start, add, to, draws, protocol, \
      new_latent_norm, correlation_scales); a \
      correlated toy can be grown at several correlation scales (C' = I + s (C - I)), and the \
      rank correlation is then given within each scale and pooled over every scale and \
      width (labelled).

      --init-from SAE.json (what `landscape train --save` writes) starts from that SAE and \
      measures it as it is: the hedging degree of any trained SAE, grown once by --add. Its \
      decoder norms are folded into the encoder first (the authors' fold_W_dec_norm), which \
      keeps its function and loss.

      The cases sae-grow-matryoshka-toy.json and sae-grow-correlated.json have grow blocks \
      (`landscape grow cases/sae-grow-correlated.json --plot growth.png`; seconds in a \
      release build), as has sae-grow-large-toy.json, the paper's large toy (50 features in \
      100 dimensions, 15 to 50 latents; about 5 minutes in a release build).

      Examples:
        landscape grow cases/sae-untied-hierarchy.json --add 1 --to 3
        landscape grow cases/sae-untied-hierarchy.json --add 1 --to 3 --json
      """)

  @Argument(help: "An SAE case file (JSON) with a plain relu SAE.")
  var caseFile: String

  @OptionGroup var set: SetOptions

  @Option(
    parsing: .unconditional,
    help: "Latents of the first SAE (default: the grow block's, else sae.latents).")
  var start: Int?

  @Option(
    parsing: .unconditional,
    help: "Latents added at each growth (default: the grow block's).")
  var add: Int?

  @Option(
    parsing: .unconditional,
    help: "Latents of the last SAE: start + a multiple of add (default: the grow block's).")
  var to: Int?

  @Option(
    parsing: .unconditional,
    help: "Random subspaces of the baseline, in 1...1000 (default: the grow block's, else the authors' 50).")
  var draws: Int?

  @Option(
    name: .customLong("protocol"),
    help: ArgumentHelp(
      "What the existing latents' movement is measured against: control (the authors': the SAE before growing trained further for the same steps and seed, no new latents) or continue (the SAE before growing, so continued training counts as movement). Default: the grow block's, else control.",
      valueName: "control|continue"))
  var growthProtocol: GrowthProtocol?

  @Option(
    parsing: .unconditional,
    help: "Training steps at each width (default: the case's train.steps).")
  var steps: Int?

  @Option(
    parsing: .unconditional,
    help: "The first width's training seed, in 0...4294967295 (default: train.seed).")
  var seed: Int?

  @Option(
    parsing: .unconditional,
    help: "Embed the toy in this many dimensions, >= the number of features.")
  var dim: Int?

  @Option(
    name: .customLong("correlation-scales"),
    parsing: .unconditional,
    help: ArgumentHelp(
      "Correlated toys: scales s in [0, 1] of the correlations, comma-separated.",
      valueName: "S,S,..."))
  var correlationScales: NumberList?

  @Option(
    name: .customLong("init-from"),
    help: ArgumentHelp(
      "Start from this SAE file (as `train --save` writes), measured as it is: the hedging degree of any trained SAE. Its decoder norms are folded into the encoder (the authors' fold_W_dec_norm), which keeps its function.",
      valueName: "SAE.json|DIR/"))
  var initFrom: String?

  @Option(help: SAEFileFormat.help)
  var format: SAEFileFormat?

  @Flag(help: "Print JSON (one run: widths, fraction_in_new_span, ...; several: runs).")
  var json = false

  @Option(help: ArgumentHelp("Draw the growth figure (.png, .svg, .pdf).", valueName: "FILE"))
  var plot: String?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  func validate() throws {
    let ranges: [(String, Int?, ClosedRange<Int>)] = [
      ("--start", start, 1...10_000), ("--add", add, 1...10_000), ("--to", to, 1...10_000),
      ("--draws", draws, 1...1000), ("--steps", steps, 0...100_000_000),
      ("--seed", seed, 0...Int(UInt32.max)), ("--dim", dim, 1...100_000),
    ]
    for case let (flag, value?, range) in ranges where !range.contains(value) {
      throw ValidationError("\(flag): \(value) is not in \(range.lowerBound)...\(range.upperBound)")
    }
    try correlationScales?.check("--correlation-scales", is: "a number in [0, 1]") {
      $0 >= 0 && $0 <= 1
    }
  }

  func run() throws {
    guard case .sae(let saeCase) = try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides()) else {
      throw FieldError(
        field: "case", value: escapedForMessage(caseFile),
        reason: "is a single-latent case: grow needs an SAE case (an sae block)")
    }
    let initial = try initFrom.map {
      try SAEFiles.read($0, field: "--init-from", features: saeCase.features, format: format).sae
        .foldingDecoderNorms()
    }
    let (growthStudy, plan) = try settings(saeCase, initial: initial)
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    if initial != nil, plan.dimension != nil {
      throw FieldError(
        flag: "--init-from", value: "", reason: "reads an SAE in feature coordinates (d = n)")
    }
    let grown = try withTerminalProgress {
      try GrowthRuns(saeCase: saeCase, growth: growthStudy, plan: plan, initial: initial)
        .run($0, label: "grow")
    }
    if let plot {
      try FigureFile.write(
        Figures.growthChart(grown.runs, scales: grown.scales, title: saeCase.title), to: plot,
        size: plotSize)
    }
    if json {
      print(try ReportJSON.string(grown))
    } else {
      print(grown.text(growthStudy, saeCase), terminator: "")
    }
  }

  /// The case's growth saeCase and training plan with the flags' overrides.
  func settings(_ saeCase: SAECase, initial: SAE?) throws -> (SAEGrowthStudy, SAETrainingPlan) {
    // With --init-from the first width is the file's SAE: --to defaults to one growth.
    let given = initial?.latents
    let first = start ?? given ?? saeCase.growth?.plan.start ?? saeCase.architecture.latents
    if let given, first != given {
      throw FieldError(
        flag: "--start", value: "\(first)",
        reason: "differs from the --init-from SAE's \(given) latents")
    }
    var growth = saeCase.growth ?? SAEGrowthStudy(plan: SAEGrowthPlan(start: first, add: 0, to: 0))
    growth.plan.start = first
    if let add { growth.plan.add = add }
    if let to {
      growth.plan.to = to
    } else if given != nil || saeCase.growth == nil {
      growth.plan.to = first + growth.plan.add
    }
    if saeCase.growth == nil && add == nil {
      throw FieldError(flag: "--add", value: "", reason: "is required: \(saeCase.name) has no grow block")
    }
    if saeCase.growth == nil && to == nil && given == nil {
      throw FieldError(flag: "--to", value: "", reason: "is required: \(saeCase.name) has no grow block")
    }
    if let draws { growth.plan.draws = draws }
    if let growthProtocol { growth.plan.growthProtocol = growthProtocol }
    if let s = correlationScales?.values {
      guard saeCase.toy.isCorrelated else {
        throw FieldError(
          flag: "--correlation-scales", value: "",
          reason: "needs a correlated toy: \(saeCase.name) is not")
      }
      growth.correlationScales = s
    }
    do { try growth.plan.check() } catch let e as FieldError {
      // The plan names its field (`to: 7 is not ...`); the flag has the same name.
      throw FieldError(flag: "--\(e.field)", value: e.value, reason: e.reason)
    }
    guard saeCase.architecture.activation == .relu, saeCase.architecture.matryoshka == nil else {
      throw FieldError(
        field: "case", value: escapedForMessage(caseFile),
        reason: "has a \(saeCase.architecture.activation.rawValue)"
          + (saeCase.architecture.matryoshka == nil ? "" : " Matryoshka")
          + " SAE: grow needs a plain relu SAE")
    }
    var plan = saeCase.plan
    if let steps { plan.steps = steps }
    if let seed { plan.seed = UInt64(seed) }
    if let dim { try plan.embed(inDimensions: dim, features: saeCase.features.count) }
    return (growth, plan)
  }
}

extension GrowthProtocol: ExpressibleByArgument {}
