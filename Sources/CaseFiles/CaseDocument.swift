import Foundation
import Landscape
import Reports
import SparseAutoencoders
import ToyModels

/// What a case file holds: a single latent on a path (`LatentCase`), or an SAE with many latents on a
/// toy model (`SAECase`, the files with an `sae` block).
///
/// `indirect`: with the two payloads stored inline, Swift 6.3's release build read a `.sae`
/// value back as `.latent` (a miscompile of this multi-payload enum; debug builds were right).
public indirect enum CaseDocument: Sendable, Hashable {
  /// A single latent on a path, and how `validate` trains it (its `train` block).
  case latent(LatentCase, training: LatentTrainingPlan?)
  case sae(SAECase)

  /// The case's name.
  public var name: String {
    switch self {
    case .latent(let c, _): return c.name
    case .sae(let s): return s.name
    }
  }

  /// True for an SAE case.
  public var isSAE: Bool {
    if case .sae = self { return true }
    return false
  }

  /// Reads and validates a case file of either kind, with `overrides` (`--set`) applied first.
  ///
  /// - Parameters:
  ///   - path: the file's path. Its base name is the default case name.
  ///   - overrides: fields replaced before the file is read, in turn.
  /// - Throws: `FieldError` naming the file and the bad field.
  public static func load(contentsOf path: String, overrides: [FieldOverride] = []) throws
    -> CaseDocument
  {
    try reading(path) { data, stem in
      try CaseDocument(json: data, defaultName: stem, overrides: overrides)
    }
  }

  /// Parses and validates a case of either kind from JSON: with an `sae` block an `SAECase`,
  /// else a `LatentCase`; `overrides` are applied to the parsed JSON before either reads it.
  public init(json data: Data, defaultName: String = "case", overrides: [FieldOverride] = [])
    throws
  {
    let object = try Self.root(data, overrides: overrides)
    do {
      if object.has("sae") {
        self = .sae(try SAECase(object, defaultName: defaultName))
      } else {
        let (c, training) = try LatentCase.read(object, defaultName: defaultName)
        self = .latent(c, training: training)
      }
    } catch let e as FieldError {
      throw FieldOverride.explaining(e, overrides)
    }
  }

  /// Reads the file at `path` (`-`: standard input) and parses it with `parse(data, stem)`,
  /// naming the file in errors; `stem` is the file's base name (`case` for standard input).
  public static func reading<T>(_ path: String, _ parse: (Data, String) throws -> T) throws -> T {
    let data = try InputFile.contents(of: path, field: "case file", kind: .input)
    let stem =
      path == "-" ? "case" : ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    do {
      return try parse(data, stem)
    } catch let error as FieldError {
      throw FieldError(
        field: "\(escapedForMessage(path, limit: 1000)): \(error.field)", value: error.value,
        reason: error.reason, kind: error.kind)
    }
  }

  /// The top-level object of a case file: valid JSON, no key given twice in one object;
  /// `overrides` applied to it.
  static func root(_ data: Data, overrides: [FieldOverride] = []) throws -> JSONObject {
    var root: Any
    do {
      // JSONSerialization for its messages on bad JSON; where a number has more than 15
      // significant digits (which JSONSerialization may read one ulp off) the values come
      // from JSONDecoder, whose numbers are exact.
      root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
      if ExactJSON.hasLongNumber(data),
        let exact = try? JSONDecoder().decode(ExactJSON.self, from: data)
      {
        root = exact.foundationValue
      }
    } catch {
      throw FieldError(
        field: "json", value: "", reason: "is not valid JSON (\(LatentCase.firstLine(of: error)))")
    }
    if let offset = StrictJSON.firstTrailingComma(in: data) {
      throw FieldError(
        field: "json", value: "",
        reason: "is not valid JSON (a trailing comma at byte \(offset): RFC 8259 has none)")
    }
    if let duplicate = StrictJSON.firstDuplicateKey(in: data) {
      throw FieldError(
        field: duplicate.isEmpty ? "\"\"" : escapedForMessage(duplicate), value: "",
        reason: "is given twice in one object")
    }
    return try JSONObject(FieldOverride.applying(overrides, to: root), field: "case")
  }
}
