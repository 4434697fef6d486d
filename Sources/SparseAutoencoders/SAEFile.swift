import Foundation
import Reports
import ToyModels

/// The SAE file: what `landscape train --save` writes and `--init-from` reads.
///
///     {"features": [...], "tied": false, "activation": "relu", "top_k": null,
///      "threshold": null, "matryoshka": null, "encoder": [[k rows of n]],
///      "encoder_bias": [k], "decoder": [[k rows of n]], "decoder_bias": [n]}
///
/// Required: features, tied, activation, decoder, decoder_bias; untied files also encoder and
/// encoder_bias; tied files give no encoder and may give encoder_bias (default 0). Every
/// weight and bias is finite and at most `weightLimit` in size. activation
/// is relu, topk (needs top_k) or batchtopk (needs top_k and threshold). A balance Matryoshka
/// SAE adds "balance": beta (finite, >= 0, with matryoshka); the field is absent otherwise.
public struct SAEFile: Sendable, Hashable {
  public var features: [String]
  public var sae: SAE

  public init(features: [String], sae: SAE) {
    self.features = features
    self.sae = sae
  }

  /// The file's fields as written; every number read by `JSONDecoder`, which rounds each
  /// decimal to the nearest Double (Foundation's JSONSerialization on Linux does not: about
  /// half of 17-digit numbers come back one ulp off, and a saved SAE would not round-trip).
  private struct Fields: Decodable {
    var features: [String]?
    var tied: Bool?
    var activation: String?
    var top_k: Double?
    var threshold: Double?
    var matryoshka: [Double]?
    var balance: Double?
    var l1_per_prefix: Bool?
    var encoder: [[Double]]?
    var encoder_bias: [Double]?
    var decoder: [[Double]]?
    var decoder_bias: [Double]?
  }

  /// The largest weight or bias an SAE file may hold: with magnitudes up to 1e6, the
  /// squared errors stay below 1e40 times the dimensions (1e200 overflows them to inf).
  public static let weightLimit = 1e12

  /// The fields an SAE file may have.
  static let fieldNames = [
    "features", "tied", "activation", "top_k", "threshold", "matryoshka", "balance",
    "l1_per_prefix", "encoder", "encoder_bias", "decoder", "decoder_bias",
  ]

  /// - Throws: `FieldError` naming the field and the value: JSON that is not one object, a key
  ///   given twice in one object (parsers disagree on which one counts), an unknown field, a
  ///   value of the wrong kind or out of range.
  public init(json data: Data) throws {
    let root: Any
    do {
      root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      // Foundation's reason, one line (a number no Double holds, as 1e400, is refused here).
      let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
      let line = detail?.split(separator: "\n").first.map { " (\($0))" } ?? ""
      throw FieldError(field: "sae", value: "", reason: "is not valid JSON" + line)
    }
    guard let object = root as? [String: Any] else {
      throw FieldError(
        field: "sae", value: "",
        reason: root is [Any] ? "is a JSON array, not an object" : "is not a JSON object")
    }
    if let offset = StrictJSON.firstTrailingComma(in: data) {
      throw FieldError(
        field: "sae", value: "",
        reason: "is not valid JSON (a trailing comma at byte \(offset): RFC 8259 has none)")
    }
    if let key = StrictJSON.firstDuplicateKey(in: data) {
      throw FieldError(field: key, value: "", reason: "is given twice in one object")
    }
    if let key = object.keys.sorted().first(where: { !Self.fieldNames.contains($0) }) {
      throw FieldError(
        field: escapedForMessage(key, limit: 40), value: "",
        reason: "is not a field of an SAE file (\(Self.fieldNames.joined(separator: ", ")))")
    }
    let o: Fields
    do {
      o = try JSONDecoder().decode(Fields.self, from: data)
    } catch let DecodingError.typeMismatch(type, context) {
      throw FieldError(
        field: Self.path(context.codingPath), value: "", reason: "is not \(Self.noun(type))")
    } catch let DecodingError.valueNotFound(type, context) {
      throw FieldError(
        field: Self.path(context.codingPath), value: "", reason: "is null, not \(Self.noun(type))")
    } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
      throw FieldError(
        field: Self.path(context.codingPath), value: "", reason: "is not a finite number")
    } catch {
      // The JSON is one object of known fields: what is left is a number no Double holds.
      throw FieldError(
        field: "sae", value: "", reason: "has a number that is not a finite double (as 1e400)")
    }
    func finite(_ v: [Double], _ key: String) throws -> [Double] {
      for (i, x) in v.enumerated() where !(abs(x) <= Self.weightLimit) {
        throw FieldError(
          field: "\(key)[\(i)]", value: "\(x)",
          reason: "is not a finite number of size at most \(Self.weightLimit)")
      }
      return v
    }
    guard let features = o.features else {
      throw FieldError(field: "features", value: "", reason: "missing or not a list of names")
    }
    guard let tied = o.tied else {
      throw FieldError(field: "tied", value: "", reason: "missing or not true/false")
    }
    guard let name = o.activation else {
      throw FieldError(field: "activation", value: "", reason: "missing or not a string")
    }
    guard let decoder = o.decoder else {
      throw FieldError(field: "decoder", value: "", reason: "missing")
    }
    guard let decoderBias = o.decoder_bias else {
      throw FieldError(field: "decoder_bias", value: "", reason: "missing")
    }
    let encoder = o.encoder
    let encoderBias = o.encoder_bias
    if tied && encoder != nil {
      throw FieldError(field: "encoder", value: "", reason: "given for a tied SAE")
    }
    if !tied && encoder == nil {
      throw FieldError(field: "encoder", value: "", reason: "missing for an untied SAE")
    }
    if !tied && encoderBias == nil {
      throw FieldError(field: "encoder_bias", value: "", reason: "missing for an untied SAE")
    }
    let topK = o.top_k
    let threshold = o.threshold
    let activation: SAE.Activation
    switch name {
    case "relu": activation = .relu
    case "topk", "batchtopk":
      guard let k = topK, k == k.rounded(), k >= 1, k <= 1e9 else {
        throw FieldError(
          field: "top_k", value: "\(topK.map { "\($0)" } ?? "null")",
          reason: "is not a positive integer")
      }
      if name == "topk" {
        activation = .topK(Int(k))
      } else {
        guard let t = threshold else {
          throw FieldError(field: "threshold", value: "", reason: "missing for batchtopk")
        }
        activation = .batchTopK(k: Int(k), threshold: t)
      }
    default:
      throw FieldError(
        field: "activation", value: "\"\(name)\"", reason: "is not relu, topk or batchtopk")
    }
    let prefixes = try o.matryoshka.map { p in
      try p.enumerated().map { i, v in
        guard v == v.rounded(), abs(v) <= 1e9 else {
          throw FieldError(field: "matryoshka[\(i)]", value: "\(v)", reason: "is not an integer")
        }
        return Int(v)
      }
    }
    for (i, row) in decoder.enumerated() { _ = try finite(row, "decoder[\(i)]") }
    for (i, row) in encoder?.enumerated().map({ $0 }) ?? [] { _ = try finite(row, "encoder[\(i)]") }
    _ = try finite(decoderBias, "decoder_bias")
    _ = try finite(encoderBias ?? [], "encoder_bias")
    let sae = try SAE(
      decoder: decoder, decoderBias: decoderBias, encoder: encoder, encoderBias: encoderBias,
      activation: activation, prefixes: prefixes, balance: o.balance,
      l1PerPrefix: o.l1_per_prefix ?? false)
    guard features.count == sae.dimensions else {
      throw FieldError(
        field: "features", value: "",
        reason: "\(features.count) names for \(sae.dimensions) dimensions")
    }
    self.init(features: features, sae: sae)
  }

  /// `decoder[0][1]` for a coding path.
  private static func path(_ codingPath: [CodingKey]) -> String {
    var out = ""
    for key in codingPath {
      if let i = key.intValue {
        out += "[\(i)]"
      } else {
        out += (out.isEmpty ? "" : ".") + key.stringValue
      }
    }
    return out.isEmpty ? "sae" : out
  }

  private static func noun(_ type: Any.Type) -> String {
    switch type {
    case is Double.Type: return "a number"
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    default: return "a list"
    }
  }

  /// The file's JSON, written by the one report encoder (`ReportJSON`): keys sorted, every
  /// number the shortest decimal that reads back to the same Double.
  public func json() throws -> Data { try ReportJSON.data(self) }
}

extension SAEFile: Encodable {
  private enum Key: String, CodingKey {
    case features, tied, activation, top_k, threshold, matryoshka, balance, l1_per_prefix, encoder
    case encoder_bias, decoder, decoder_bias
  }

  /// Every field of the format, `top_k`, `threshold` and `matryoshka` null when unused;
  /// `encoder` only when untied, `balance` only when set, `l1_per_prefix` only when true.
  public func encode(to encoder: any Encoder) throws {
    let d = sae.dimensions
    func rows(_ w: [Double]) -> [[Double]] {
      (0..<sae.latents).map { Array(w[($0 * d)..<(($0 + 1) * d)]) }
    }
    var c = encoder.container(keyedBy: Key.self)
    try c.encode(features, forKey: .features)
    try c.encode(sae.tied, forKey: .tied)
    try c.encode(rows(sae.decoder), forKey: .decoder)
    try c.encode(sae.decoderBias, forKey: .decoder_bias)
    try c.encode(sae.encoderBias, forKey: .encoder_bias)
    if !sae.tied { try c.encode(rows(sae.encoder), forKey: .encoder) }
    if sae.prefixes == [sae.latents] {
      try c.encodeNil(forKey: .matryoshka)
    } else {
      try c.encode(sae.prefixes, forKey: .matryoshka)
    }
    try c.encodeIfPresent(sae.balance, forKey: .balance)
    if sae.l1PerPrefix { try c.encode(true, forKey: .l1_per_prefix) }
    switch sae.activation {
    case .relu:
      try c.encode("relu", forKey: .activation)
      try c.encodeNil(forKey: .top_k)
      try c.encodeNil(forKey: .threshold)
    case .topK(let k):
      try c.encode("topk", forKey: .activation)
      try c.encode(k, forKey: .top_k)
      try c.encodeNil(forKey: .threshold)
    case .batchTopK(let k, let t):
      try c.encode("batchtopk", forKey: .activation)
      try c.encode(k, forKey: .top_k)
      try c.encode(t, forKey: .threshold)
    }
  }
}
