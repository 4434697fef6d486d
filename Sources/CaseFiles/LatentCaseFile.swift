import Foundation
import Landscape
import ToyModels
import SparseAutoencoders

extension LatentCase {
  /// Reads and validates a case file (JSON; see README for the schema), with `overrides`
  /// (`--set`) applied first.
  ///
  /// - Parameter path: the file's path. Its base name is the default case name.
  /// - Throws: `FieldError` naming the file and the bad field.
  public static func load(contentsOf path: String, overrides: [FieldOverride] = []) throws
    -> LatentCase
  {
    try CaseDocument.reading(path) { data, stem in
      try LatentCase(json: data, defaultName: stem, overrides: overrides)
    }
  }

  /// Parses and validates a case from JSON.
  ///
  /// Required: `features` (names) and `patterns` (each `name`, `probability`, `fires`:
  /// feature name to magnitude). Optional: `name`, `title`, `path` (`from`, `to`: feature
  /// name to component; `t`: [t_min, t_max]; default parent to child over [0, 1]), `bias`
  /// (`none`, `optimal`, `centered`, or an object of feature name to component), `penalty` (`coefficient`, `p`), `train` (see `LatentTrainingPlan`).
  /// - Throws: `FieldError` naming the bad field.
  public init(json data: Data, defaultName: String = "case", overrides: [FieldOverride] = [])
    throws
  {
    do {
      self = try Self.read(
        CaseDocument.root(data, overrides: overrides), defaultName: defaultName
      ).case
    } catch let e as FieldError {
      throw FieldOverride.explaining(e, overrides)
    }
  }

  /// A single-latent case and its `train` block (nil when it has none) from a case file's
  /// top-level object: each read once.
  static func read(_ object: JSONObject, defaultName: String) throws
    -> (case: LatentCase, training: LatentTrainingPlan?)
  {
    if object.has("sae") {
      throw FieldError(
        field: "sae", value: "",
        reason:
          "describes an SAE with many latents: use landscape train or landscape sae-loss on it")
    }
    try object.allow(["name", "title", "features", "patterns", "path", "bias", "penalty", "train"])

    let name = try object.string("name") ?? defaultName
    if object.has("name") { try Self.checkCaseName(name) }
    let title = try object.string("title") ?? name
    let features = try Self.features(object)
    let index = Dictionary(features.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    guard let patternList = try object.array("patterns") else {
      throw FieldError(field: "patterns", value: "", reason: "is required")
    }
    let patterns = try Self.patterns(patternList, features: features, index: index)

    var path = LatentPath(
      from: Self.unit(0, features.count), to: Self.unit(1, features.count))
    if let p = try object.object("path") {
      try p.allow(["from", "to", "t"])
      if let from = try p.object("from") {
        path.from = try from.vector(over: features, index: index)
      }
      if let to = try p.object("to") { path.to = try to.vector(over: features, index: index) }
      if let t = try p.array("t") {
        guard t.count == 2, let lo = JSONObject.numberValue(t[0]),
          let hi = JSONObject.numberValue(t[1])
        else {
          throw FieldError(
            field: "path.t", value: JSONObject.render(t),
            reason: "is not a pair [t_min, t_max] of numbers")
        }
        path.tMin = lo
        path.tMax = hi
      }
    } else if features.count < 2 {
      throw FieldError(
        field: "path", value: "", reason: "is required when there are fewer than two features")
    }

    var bias = DecoderBias.none
    if object.values["bias"] is [String: Any], let b = try object.object("bias") {
      bias = .fixed(try b.vector(over: features, index: index))
    } else if let b = try object.string("bias") {
      guard let parsed = DecoderBias(name: b) else {
        throw FieldError(
          field: "bias", value: JSONObject.render(b),
          reason:
            "is not one of \(DecoderBias.namedKinds.map(\.rawValue).joined(separator: ", ")) or an object of feature magnitudes"
        )
      }
      bias = parsed
    }
    var penalty = Penalty.none
    if let p = try object.object("penalty") {
      try p.allow(["coefficient", "p"])
      penalty = Penalty(
        coefficient: try p.number("coefficient") ?? 0, exponent: try p.number("p") ?? 1)
    }
    let training = try object.object("train").map {
      try LatentTrainingPlan.read($0, featureCount: features.count)
    }
    let c = LatentCase(
      name: name, title: title, features: features, patterns: patterns, path: path,
      bias: bias, penalty: penalty)
    try c.validate()
    return (c, training)
  }

  /// The `features` list: names, required.
  static func features(_ object: JSONObject) throws -> [String] {
    guard let featureList = try object.array("features") else {
      throw FieldError(field: "features", value: "", reason: "is required")
    }
    return try featureList.enumerated().map { i, item in
      guard let s = item as? String else {
        throw FieldError(
          field: "features[\(i)]", value: JSONObject.render(item), reason: "is not a string")
      }
      return s
    }
  }

  /// The `patterns` list: each `name`, `probability`, `fires` (feature name to magnitude).
  static func patterns(_ list: [Any], features: [String], index: [String: Int]) throws
    -> [Pattern]
  {
    var patterns: [Pattern] = []
    for (j, item) in list.enumerated() {
      let field = "patterns[\(j)]"
      let p = try JSONObject(item, field: field)
      try p.allow(["name", "probability", "fires"])
      let probability =
        try p.number("probability")
        ?? {
          throw FieldError(field: "\(field).probability", value: "", reason: "is required")
        }()
      guard let fires = try p.object("fires") else {
        throw FieldError(field: "\(field).fires", value: "", reason: "is required")
      }
      let magnitudes = try fires.vector(over: features, index: index)
      let patternName = try p.string("name") ?? "p\(j)"
      try Self.checkPatternName(patternName, field: "\(field).name")
      patterns.append(
        Pattern(name: patternName, probability: probability, magnitudes: magnitudes))
    }
    return patterns
  }

  /// A case name is used in file names: letters, digits, `.`, `_`, `-`, not starting
  /// with `.` (so it can name no folder and no hidden file).
  static func checkCaseName(_ name: String) throws {
    let allowed = name.unicodeScalars.allSatisfy {
      ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || "._-".unicodeScalars.contains($0)
    }
    guard !name.isEmpty, allowed, !name.hasPrefix(".") else {
      throw FieldError(
        field: "name", value: "\"\(escapedForMessage(name))\"",
        reason: "is not a file name (letters, digits, '.', '_', '-'; not starting with '.')")
    }
  }

  /// A pattern name is a symbol in formulas, CSV headers and LaTeX: an identifier
  /// (a letter or `_`, then letters, digits or `_`, ASCII).
  static func checkPatternName(_ name: String, field: String) throws {
    let scalars = Array(name.unicodeScalars)
    func letter(_ c: Unicode.Scalar) -> Bool {
      c.isASCII && (CharacterSet.letters.contains(c) || c == "_")
    }
    func digit(_ c: Unicode.Scalar) -> Bool { c.isASCII && CharacterSet.decimalDigits.contains(c) }
    guard let first = scalars.first, letter(first), scalars.allSatisfy({ letter($0) || digit($0) })
    else {
      throw FieldError(
        field: field, value: "\"\(escapedForMessage(name))\"", reason: "is not an identifier")
    }
  }

  static func unit(_ i: Int, _ n: Int) -> [Double] {
    (0..<n).map { $0 == i ? 1 : 0 }
  }

  static func firstLine(of error: Error) -> String {
    let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    return text.split(separator: "\n").first.map(String.init) ?? text
  }
}

extension LatentTrainingPlan {
  /// A single-latent case file's `train` block: read as numbers here, every range checked
  /// once, by `validate(featureCount:)`.
  init(_ t: JSONObject) throws {
    try t.allow([
      "loss", "steps", "batch", "lr", "beta1", "beta2", "seed", "init", "init_noise", "snap_at",
      "bias", "dim", "tolerance", "expect", "optimizer", "gtol",
    ])
    self.init()
    if let s = try t.string("loss") {
      guard let loss = SAETrainingPlan.Loss(rawValue: s) else {
        throw FieldError(
          field: "train.loss", value: JSONObject.render(s), reason: "is not one of mse, l2, snap")
      }
      sae.loss = loss
    }
    if let s = try t.string("bias") {
      guard let b = Biases(rawValue: s) else {
        throw FieldError(
          field: "train.bias", value: JSONObject.render(s),
          reason: "is not one of none, decoder, both")
      }
      biases = b
    }
    if let v = try t.wholeNumber("steps") { sae.steps = v }
    if let v = try t.wholeNumber("batch") { sae.batch = v }
    if let v = try t.finiteNumber("lr") { sae.learningRate = v }
    if let v = try t.finiteNumber("beta1") { sae.beta1 = v }
    if let v = try t.finiteNumber("beta2") { sae.beta2 = v }
    if let v = try t.seed("seed") { sae.seed = v }
    if let v = try t.finiteNumber("init") { initialT = v }
    if let v = try t.finiteNumber("init_noise") { sae.initialNoise = v }
    if let v = try t.wholeNumber("snap_at") { sae.snapAt = v }
    if let v = try t.wholeNumber("dim") { sae.dimension = v }
    if let v = try t.finiteNumber("tolerance") { tolerance = v }
    if let v = try t.finiteNumber("gtol") { sae.gradientTolerance = v }
    if let name = try t.string("optimizer") {
      guard let o = SAETrainingPlan.Optimizer(rawValue: name) else {
        throw FieldError(
          field: "train.optimizer", value: JSONObject.render(name), reason: "is not one of adam, lbfgs")
      }
      // The minimiser works on the exact loss: every pattern at once.
      sae.optimizer = o
      if o == .lbfgs { sae.data = .exact }
    }
    expectation = try t.string("expect")
  }

  /// A case file's `train` block, read and checked for a case of `featureCount` features.
  static func read(_ t: JSONObject, featureCount: Int) throws -> LatentTrainingPlan {
    let plan = try LatentTrainingPlan(t)
    try plan.validate(featureCount: featureCount)
    return plan
  }
}
