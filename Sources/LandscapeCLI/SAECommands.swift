import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import SparseAutoencoders
import Reports
import Studies
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

  @Option(parsing: .unconditional, help: "Correlated toys: the number of samples of the estimate.")
  var samples = 100_000

  @Option(
    parsing: .unconditional,
    help: "Correlated toys: the random seed of the estimate's samples, in 0...4294967295.")
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
    case .latent(let c, _):
      toy = c.toyModel
      name = c.name
    case .sae(let saeCase):
      toy = saeCase.toy
      name = saeCase.name
    }
    let file = try SAEFiles.read(sae, field: "--sae", features: toy.features)
    let m = try file.sae.metrics(on: toy, samples: samples, seed: UInt64(seed))
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

/// Writing SAE files (reading is `Studies.SAEFiles.read`).
extension SAEFiles {
  static func write(_ file: SAEFile, to path: String, field: String) throws {
    var data = try file.json()
    data.append(contentsOf: Array("\n".utf8))
    try OutputFile.write(data, to: path, field: field)
  }
}

extension SAETrainingPlan.Data: ExpressibleByArgument {}

extension SAETrainingPlan {
  /// `--dim`: the toy's n features embedded in d dimensions (d = n: feature coordinates).
  mutating func embed(inDimensions d: Int, features n: Int) throws {
    guard d >= n else {
      throw FieldError(
        flag: "--dim", value: "\(d)", reason: "is below the number of features (\(n))")
    }
    dimension = d == n ? nil : d
  }
}

extension TrainCommand {
  /// `train` on an SAE case: the case's plan with the flags' overrides; report, save, plot.
  func runSAE(_ saeCase: SAECase) throws {
    let plan = try saePlan(saeCase)
    if let save { try OutputFile.check(save, field: "--save") }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    if save != nil, let d = plan.dimension, d != saeCase.features.count {
      throw FieldError(
        flag: "--save", value: "", reason: "writes an SAE in feature coordinates (d = n)")
    }
    let initial = try initFrom.map {
      try SAEFiles.read($0, field: "--init-from", features: saeCase.features).sae
        .foldingDecoderNorms()
    }
    let trained = try withTerminalProgress {
      try SAECaseTraining(
        saeCase: saeCase, plan: plan, initial: initial, initFrom: initFrom,
        samples: samples ?? 100_000
      ).run($0)
    }
    if let save {
      try SAEFiles.write(
        SAEFile(features: saeCase.features, sae: trained.sae), to: save, field: "--save")
    }
    if let plot {
      try FigureFile.write(
        Figures.latentCosines(
          trained.report.report, relation: saeCase.toy.featureRelation, title: saeCase.title), to: plot,
        size: plotSize)
    }
    if json {
      print(try ReportJSON.string(trained.report))
    } else {
      print(trained.report.text(saeCase), terminator: "")
    }
  }

  /// The SAE case's plan with the flags' overrides; flags that do not apply are refused.
  func saePlan(_ saeCase: SAECase) throws -> SAETrainingPlan {
    for (flag, given) in [
      ("--init", initialT != nil), ("--init-noise", initNoise != nil),
      ("--biases", biases != nil), ("--sampling", sampling != nil),
      ("--trajectory", trajectory != nil), ("--trajectory-every", trajectoryEvery != nil),
      ("--bias", source.model.bias != nil), ("--t-min", source.model.tMin != nil),
      ("--t-max", source.model.tMax != nil),
      ("--parent-magnitude", source.model.parentMagnitude != nil),
      ("--child-magnitude", source.model.childMagnitude != nil),
    ] where given {
      throw FieldError(
        flag: flag, value: "", reason: "does not apply to an SAE case (\(saeCase.name) has an sae block)")
    }
    var plan = saeCase.plan
    if let data {
      if data != .samples && saeCase.toy.patterns == nil {
        throw FieldError(
          flag: "--data", value: data.rawValue,
          reason: "needs an enumerable toy (patterns or hierarchy): \(saeCase.name) is sampled")
      }
      plan.data = data
    }
    overriding(&plan)
    if let dim { try plan.embed(inDimensions: dim, features: saeCase.features.count) }
    if let l1 = try source.parameters().l1 {
      guard l1.isFinite && l1 >= 0 else {
        throw FieldError(flag: "--l1", value: "\(l1)", reason: "is not a number >= 0")
      }
      plan.l1 = l1
    }
    // One rule for every command: a setting out of range is refused, naming the flag that
    // set it or the case's train field (a new --steps below the case's snap step needs
    // --snap-at too).
    try FlagTable.naming(given: gave) {
      do { try plan.checkSettings() } catch let e as FieldError {
        throw e.renamed("train.\(e.field)")
      }
    }
    return plan
  }
}
