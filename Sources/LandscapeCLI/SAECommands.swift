import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import SparseAutoencoders
import Reports
import SafeTensors
import Studies
import ToyModels

/// `landscape sae-loss`: the exact expected losses of a given SAE on a case's toy model.
struct SAELossCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sae-loss",
    abstract: "The exact expected losses and SAELens's synthetic metrics of an SAE (an SAE file) on a case.",
    discussion: """
      The SAE file is what `landscape train --save` writes (see README): our JSON file, or \
      SAELens's folder (cfg.json and sae_weights.safetensors) for a folder or .safetensors \
      path or --format saelens. On an enumerable \
      toy (patterns or hierarchy, and every single-latent case) the expectations are exact \
      sums over the patterns; on a sampled toy (correlated, or with drawn magnitudes) they \
      are estimated from --samples draws, and the output says so with standard errors. The SAE's features must be the case's, in the same order.

      Examples:
        landscape sae-loss cases/sae-untied-hierarchy.json --sae sae.json
        landscape sae-loss cases/single-latent-toy.json --sae sae.json --json
        landscape sae-loss cases/sae-untied-hierarchy.json --sae saelens-sae/
      """)

  @Argument(help: "A case file (JSON): an SAE case, or a single-latent case (its patterns).")
  var caseFile: String

  @OptionGroup var set: SetOptions

  @Option(
    help: ArgumentHelp(
      "The SAE: a JSON file, or SAELens's folder (or its .safetensors file).",
      valueName: "SAE.json|DIR/"))
  var sae: String

  @Option(help: SAEFileFormat.help)
  var format: SAEFileFormat?

  @OptionGroup var estimate: EstimateOptions

  @Option(
    help: ArgumentHelp(
      "The features' directions (feature_vectors [features, d], and bias [d] if present, in a safetensors file such as a synthetic model's synthetic_model.safetensors): reads an SAELens SAE of d_in d.",
      valueName: "FILE"))
  var features: String?

  @Flag(
    help:
      "Print JSON: mse, l2, sparsity, l0, exact, samples, and SAELens's synthetic metrics (mcc, uniqueness, explained_variance, shrinkage, dead_latents, true_l0, precision, recall, f1, accuracy, absorption_gap and absorption_gaps per parent-child edge)."
  )
  var json = false

  func run() throws {
    let toy: ToyModel
    let name: String
    switch try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides()) {
    case .latent(let c, _):
      toy = c.toyModel
      name = c.name
    case .sae(let saeCase):
      toy = saeCase.toy
      name = saeCase.name
    }
    let directions = try features.map { path in
      let data = try InputFile.contents(of: path, field: "--features", kind: .usage)
      do {
        return try FeatureDirections(safetensors: data, source: path, features: toy.features.count)
      } catch let e as FieldError { throw e.within("--features", kind: .input) }
    }
    let file = try SAEFiles.read(
      sae, field: "--sae", features: toy.features, format: format,
      dimensions: directions?.bias.count)
    var model = file.sae
    var outside: (part: Double, bias: Double)?
    if let directions {
      guard model.dimensions == directions.bias.count else {
        throw FieldError(
          flag: "--features", value: "",
          reason: "has d \(directions.bias.count), the SAE d_in \(model.dimensions)")
      }
      model = directions.unbiased(model)
      let part = FeatureDirections.outsideSpan(model.decoderBias, of: directions.vectors) ?? []
      let norm = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
      outside = (norm(part), norm(model.decoderBias))
      if let o = outside, o.part > 1e-6 * max(1, o.bias) {
        FileHandle.standardError.write(
          Data("landscape: note: the decoder bias has a part outside the features' span, of norm \(o.part) (the bias's norm \(o.bias)): the toy's inputs have none\n".utf8))
      }
    }
    let m = try model.metrics(
      on: toy, basis: directions?.vectors, samples: estimate.samples, seed: estimate.seedValue)
    if json {
      print(try ReportJSON.string(m))
    } else {
      print("\(name): \(file.sae.latents) latents (\(m.how))")
      for (name, text) in m.named {
        print((name + ":").padding(toLength: 10, withPad: " ", startingAt: 0) + text)
      }
      if let s = m.synthetic { print(s.line) }
      if let o = outside {
        print("decoder bias outside the features' span: norm \(o.part) (of \(o.bias))")
      }
    }
  }
}

extension SAEFileFormat: ExpressibleByArgument {
  /// The `--format` option's help.
  static let help = ArgumentHelp(
    "The SAE files' format: json (our SAE file) or saelens (a folder with cfg.json and sae_weights.safetensors); by default saelens for a folder, a path ending in / or a .safetensors file, json otherwise.",
    valueName: "json|saelens")
}

/// `--dtype`: how SAELens's weights are stored (cfg.json's `dtype`).
enum SAELensDType: String, CaseIterable, ExpressibleByArgument {
  /// F32, SAELens's default: each weight rounded once to the nearest float.
  case float32
  /// F64: the weights exactly.
  case float64

  var tensorType: SafeTensor.DType { self == .float32 ? .f32 : .f64 }
}

/// Writing SAE files (reading is `Studies.SAEFiles.read`).
extension SAEFiles {
  /// Checks before any work that the SAE can be written at `path`: its folder exists and is
  /// writable, and no file written is an input of the command.
  static func check(_ path: String, field: String, format: SAEFileFormat?) throws {
    let location = SAEFileLocation(path, format: format)
    switch location {
    case .json(let path):
      try OutputFile.check(path, field: field)
    case .saelens(let config, let weights, let folder):
      if folder {
        let folderPath = (config as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folderPath, isDirectory: &isDirectory) {
          guard isDirectory.boolValue else {
            throw FieldError(flag: field, value: path, reason: "is not a folder")
          }
          for file in [config, weights] { try OutputFile.check(file, field: field) }
        } else {
          try OutputFile.check(folderPath, field: field)
        }
      } else {
        for file in [config, weights] { try OutputFile.check(file, field: field) }
      }
      try checkNotAnInput(location, path: path, field: field)
    }
  }

  /// Refuses SAELens files that another argument of the command reads too (the same files
  /// through any path: a folder, its .safetensors file or cfg.json).
  private static func checkNotAnInput(_ location: SAEFileLocation, path: String, field: String)
    throws
  {
    func ids(_ paths: [String]) -> Set<[UInt64]> {
      Set(
        paths.compactMap { p in
          var info = stat()
          guard stat(p, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
          return [UInt64(info.st_dev), UInt64(info.st_ino)]
        })
    }
    let written = ids(location.files)
    guard !written.isEmpty else { return }
    let named = OutputFile.arguments.filter { argument in
      let value =
        argument.hasPrefix("--") ? String(argument.drop { $0 != "=" }.dropFirst()) : argument
      guard !value.isEmpty else { return false }
      let read = ids([value] + SAEFileLocation(value, format: nil).files)
      return !read.isDisjoint(with: written)
    }
    if named.count > 1 {
      throw FieldError(
        flag: field, value: escapedForMessage(path),
        reason: "is also an input of this command (the same files): writing it would replace it")
    }
  }

  /// Writes `file` at `path`: our JSON file, or SAELens's cfg.json and weights (`dtype`). A
  /// new folder is written as a temporary folder beside it and renamed; in an existing folder
  /// (or beside a .safetensors path) each file is written beside itself and renamed.
  static func write(
    _ file: SAEFile, to path: String, field: String, format: SAEFileFormat?,
    dtype: SafeTensor.DType
  ) throws {
    switch SAEFileLocation(path, format: format) {
    case .json(let path):
      var data = try file.json()
      data.append(contentsOf: Array("\n".utf8))
      try OutputFile.write(data, to: path, field: field)
    case .saelens(let config, let weights, let folder):
      let files: (config: Data, weights: Data)
      do { files = try SAELensFiles.files(file, dtype: dtype) } catch let e as FieldError {
        throw FieldError(
          field: field, value: escapedForMessage(path),
          reason: "cannot be written as an SAELens SAE: \(e)", kind: .output)
      }
      let folderPath = (config as NSString).deletingLastPathComponent
      if folder && !FileManager.default.fileExists(atPath: folderPath) {
        try writeNewFolder(
          folderPath,
          [(SAELensFiles.configFileName, files.config), (SAELensFiles.weightsFileName, files.weights)],
          path: path, field: field)
      } else {
        try OutputFile.write(files.weights, to: weights, field: field)
        try OutputFile.write(files.config, to: config, field: field)
      }
    }
  }

  /// A new folder of files (name, bytes): written in a temporary folder beside it, renamed
  /// at the end (over an empty folder too); on failure the temporary folder is removed (on a
  /// signal its files are).
  static func writeNewFolder(
    _ folderPath: String, _ files: [(String, Data)], path: String, field: String
  ) throws {
    let url = URL(fileURLWithPath: folderPath)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
    let contents = files.map { (temporary + "/" + $0.0, $0.1) }
    func fail(_ what: String) -> FieldError {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: temporary)
      return FieldError(
        field: field, value: path, reason: "cannot be written (\(what): \(reason))", kind: .output)
    }
    if mkdir(temporary, 0o755) != 0 { throw fail("mkdir") }
    for (file, _) in contents { TemporaryFiles.register(file) }
    defer { for (file, _) in contents { TemporaryFiles.unregister(file) } }
    for (file, data) in contents where !FileManager.default.createFile(atPath: file, contents: data) {
      throw fail("write")
    }
    if rename(temporary, folderPath) != 0 { throw fail("rename") }
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
    if let restarts {
      for (flag, given) in [
        ("--save", save != nil), ("--plot", plot != nil), ("--init-from", initFrom != nil),
        ("--format", format != nil), ("--dtype", dtype != nil),
      ] where given {
        throw FieldError(flag: flag, value: "", reason: "does not apply with --restarts")
      }
      var minimised = saeCase
      minimised.plan = plan
      let report = try withTerminalProgress {
        try SAERestarts(saeCase: minimised, restarts: restarts, iterations: steps ?? 10_000)
          .run($0)
      }
      print(json ? try ReportJSON.string(report) + "\n" : report.text, terminator: "")
      return
    }
    if let save { try SAEFiles.check(save, field: "--save", format: format) }
    if dtype != nil, case .json = SAEFileLocation(save ?? "", format: format) {
      throw FieldError(flag: "--dtype", value: "", reason: "applies to --save as SAELens's folder only")
    }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    if save != nil, let d = plan.dimension, d != saeCase.features.count {
      throw FieldError(
        flag: "--save", value: "", reason: "writes an SAE in feature coordinates (d = n)")
    }
    let initial = try initFrom.map {
      try SAEFiles.read($0, field: "--init-from", features: saeCase.features, format: format).sae
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
        SAEFile(features: saeCase.features, sae: trained.sae), to: save, field: "--save",
        format: format, dtype: (dtype ?? .float32).tensorType)
    }
    if let plot {
      try FigureFile.write(
        Figures.latentCosines(
          trained.report.report, relation: saeCase.toy.featureRelation, title: saeCase.title), to: plot,
        size: plotSize)
    }
    let overridden = OverriddenReport(trained.report, overrides: try source.set.overrides())
    if json {
      print(try ReportJSON.string(overridden))
    } else {
      print(trained.report.text(saeCase) + overridden.textLine, terminator: "")
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
    if restarts != nil {  // checked as the restarts will run: lbfgs on the exact loss
      plan.optimizer = .lbfgs
      plan.data = .exact
    }
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

/// How a sampled toy's losses are estimated (`sae-loss`, `path`): `--samples` draws of the
/// stream seeded `--seed`.
struct EstimateOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Sampled toys: the number of samples of the estimate.")
  var samples = 100_000

  @Option(
    parsing: .unconditional,
    help: "Sampled toys: the random seed of the estimate's samples, in 0...4294967295.")
  var seed = 1

  /// The seed as the sampler takes it.
  var seedValue: UInt64 { UInt64(clamping: seed) }

  func validate() throws {
    if !(1...1_000_000_000).contains(samples) {
      throw ValidationError("--samples: \(samples) is not in 1...1000000000")
    }
    if !(0...Int(UInt32.max)).contains(seed) {
      throw ValidationError("--seed: \(seed) is not in 0...4294967295")
    }
  }
}
