import ArgumentParser
import CaseFiles
import Foundation
import SparseAutoencoders
import Studies
import ToyModels

/// `landscape export-toy`: a case's toy as SAELens's synthetic model folder.
struct ExportToyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-toy",
    abstract: "Writes a case's toy as SAELens's synthetic model (a folder SyntheticModel.load_from_disk reads).",
    discussion: """
      The folder holds synthetic_model_config.json, synthetic_model.safetensors \
      (feature_vectors [features, dim], bias, firing_probabilities, and for a correlated toy \
      correlation_factor and correlation_diag) and, for a hierarchy, hierarchy.json. The \
      feature vectors are the unit vectors, or the case's embedding when train.dim is above \
      the number of features. An enumerable toy must be what SAELens's hierarchy can give \
      (independent features, trees, mutually exclusive siblings, one magnitude, or one \
      relu-clipped normal magnitude distribution): otherwise the reason is printed and \
      nothing is written. DIR must not exist or be an empty folder.

      Examples:
        landscape export-toy cases/sae-untied-hierarchy.json --out toy/
        landscape export-toy cases/sae-correlated-10-standard.json --out toy/ --dtype float64
      """)

  @Argument(help: "A case file (JSON): an SAE case, or a single-latent case (its patterns).")
  var caseFile: String

  @OptionGroup var set: SetOptions

  @Option(help: ArgumentHelp("The folder to write.", valueName: "DIR"))
  var out: String

  @Option(help: "How the tensors are stored: float32 (SAELens's default) or float64.")
  var dtype: SAELensDType = .float32

  func run() throws {
    let folder = out.hasSuffix("/") && out.count > 1 ? String(out.dropLast()) : out
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
      guard isDirectory.boolValue,
        (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true
      else {
        throw FieldError(flag: "--out", value: out, reason: "exists and is not an empty folder")
      }
    }
    let toy: ToyModel
    let dropped: Double
    let basis: [[Double]]?
    switch try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides()) {
    case .latent(let c, _):
      (toy, dropped, basis) = (c.toyModel, 0, nil)
    case .sae(let s):
      (toy, dropped, basis) = (s.toy, s.droppedMass, s.plan.embedding(features: s.features.count)?.basis)
    }
    let model: SAELensSyntheticModel
    let files: (config: Data, weights: Data, hierarchy: Data?)
    do {
      model = try SAELensSyntheticModel(toy: toy, droppedMass: dropped, basis: basis)
      files = try model.files(dtype: dtype.tensorType)
    } catch let e as FieldError {
      throw FieldError(
        field: "--out", value: "", reason: "the toy has no SAELens synthetic model: \(e)", kind: .input)
    }
    var contents = [
      (SAELensSyntheticModel.configFileName, files.config),
      (SAELensSyntheticModel.weightsFileName, files.weights),
    ]
    if let h = files.hierarchy { contents.append((SAELensSyntheticModel.hierarchyFileName, h)) }
    try SAEFiles.writeNewFolder(folder, contents, path: out, field: "--out")
    let what = model.correlation != nil ? "a gaussian copula" : model.roots.allSatisfy(\.children.isEmpty) ? "independent features" : "a hierarchy"
    print(
      "\(folder)/: \(model.featureCount) features in \(model.dimensions) dimensions, \(what), magnitude \(model.meanMagnitude) (\(dtype.rawValue))")
  }
}
