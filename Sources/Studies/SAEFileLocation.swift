import Foundation
import SparseAutoencoders

/// The two formats an SAE is read and written in.
public enum SAEFileFormat: String, CaseIterable, Sendable {
  /// Our SAE file (`SAEFile`): one JSON file.
  case json
  /// SAELens's folder: `cfg.json` and `sae_weights.safetensors` (`SAELensFiles`).
  case saelens
}

/// Where an SAE's files are, chosen by the path and an optional format:
///
///     --format json                      -> json(path)
///     PATH.safetensors                   -> saelens: PATH, and cfg.json beside it
///     --format saelens, PATH/, a folder  -> saelens: PATH/cfg.json, PATH/sae_weights.safetensors
///     any other path                     -> json(path)
public enum SAEFileLocation: Sendable, Hashable {
  case json(String)
  /// SAELens's files; `folder` is true when the path names the folder (written as one).
  case saelens(config: String, weights: String, folder: Bool)

  public init(_ path: String, format: SAEFileFormat?) {
    if format == .json {
      self = .json(path)
      return
    }
    if path.hasSuffix(".safetensors") {
      let beside = (path as NSString).deletingLastPathComponent
      self = .saelens(
        config: (beside.isEmpty ? "." : beside) + "/" + SAELensFiles.configFileName,
        weights: path, folder: false)
      return
    }
    var isDirectory: ObjCBool = false
    let existing = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    if format == .saelens || path.hasSuffix("/") || (existing && isDirectory.boolValue) {
      let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
      self = .saelens(
        config: folder + "/" + SAELensFiles.configFileName,
        weights: folder + "/" + SAELensFiles.weightsFileName, folder: true)
      return
    }
    self = .json(path)
  }

  /// Every file read or written: the JSON file, or cfg.json and the weights.
  public var files: [String] {
    switch self {
    case .json(let path): return [path]
    case .saelens(let config, let weights, _): return [config, weights]
    }
  }
}
