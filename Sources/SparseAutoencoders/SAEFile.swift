import Foundation
import ToyModels

/// The SAE file: what `landscape train --save` writes and `--init-from` reads.
///
///     {"features": [...], "tied": false, "activation": "relu", "top_k": null,
///      "threshold": null, "matryoshka": null, "encoder": [[k rows of n]],
///      "encoder_bias": [k], "decoder": [[k rows of n]], "decoder_bias": [n]}
///
/// Required: features, tied, activation, decoder, decoder_bias; untied files also encoder and
/// encoder_bias; tied files give no encoder and may give encoder_bias (default 0). activation
/// is relu, topk (needs top_k) or batchtopk (needs top_k and threshold).
public struct SAEFile: Sendable, Hashable {
  public var features: [String]
  public var sae: SAE

  public init(features: [String], sae: SAE) {
    self.features = features
    self.sae = sae
  }

  /// - Throws: `ToyModelError` naming the field and the value.
  public init(json data: Data) throws {
    guard let object = try? JSONSerialization.jsonObject(with: data),
      let o = object as? [String: Any]
    else { throw ToyModelError("sae: not a JSON object") }
    func number(_ v: Any, _ field: String) throws -> Double {
      // Foundation boxes JSON booleans as NSNumber of C type char ("c").
      guard let n = v as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue.isFinite
      else { throw ToyModelError("\(field): \(v) is not a finite number") }
      return n.doubleValue
    }
    func vector(_ key: String) throws -> [Double]? {
      guard let v = o[key], !(v is NSNull) else { return nil }
      guard let a = v as? [Any] else { throw ToyModelError("\(key): not a list of numbers") }
      return try a.enumerated().map { try number($1, "\(key)[\($0)]") }
    }
    func matrix(_ key: String) throws -> [[Double]]? {
      guard let v = o[key], !(v is NSNull) else { return nil }
      guard let rows = v as? [Any] else { throw ToyModelError("\(key): not a list of rows") }
      return try rows.enumerated().map { i, row in
        guard let r = row as? [Any] else { throw ToyModelError("\(key)[\(i)]: not a list") }
        return try r.enumerated().map { try number($1, "\(key)[\(i)][\($0)]") }
      }
    }
    guard let features = o["features"] as? [String] else {
      throw ToyModelError("features: missing or not a list of names")
    }
    guard let tiedValue = o["tied"] as? NSNumber,
      String(cString: tiedValue.objCType) == "c"
    else { throw ToyModelError("tied: missing or not true/false") }
    let tied = tiedValue.boolValue
    guard let name = o["activation"] as? String else {
      throw ToyModelError("activation: missing or not a string")
    }
    guard let decoder = try matrix("decoder") else { throw ToyModelError("decoder: missing") }
    guard let decoderBias = try vector("decoder_bias") else {
      throw ToyModelError("decoder_bias: missing")
    }
    let encoder = try matrix("encoder")
    let encoderBias = try vector("encoder_bias")
    if tied && encoder != nil { throw ToyModelError("encoder: given for a tied SAE") }
    if !tied && encoder == nil { throw ToyModelError("encoder: missing for an untied SAE") }
    if !tied && encoderBias == nil {
      throw ToyModelError("encoder_bias: missing for an untied SAE")
    }
    let topK = try o["top_k"].flatMap { $0 is NSNull ? nil : try number($0, "top_k") }
    let threshold = try o["threshold"].flatMap { $0 is NSNull ? nil : try number($0, "threshold") }
    let activation: SAE.Activation
    switch name {
    case "relu": activation = .relu
    case "topk", "batchtopk":
      guard let k = topK, k == k.rounded(), k >= 1, k <= 1e9 else {
        throw ToyModelError("top_k: \(topK.map { "\($0)" } ?? "null") is not a positive integer")
      }
      if name == "topk" {
        activation = .topK(Int(k))
      } else {
        guard let t = threshold else { throw ToyModelError("threshold: missing for batchtopk") }
        activation = .batchTopK(k: Int(k), threshold: t)
      }
    default: throw ToyModelError("activation: \"\(name)\" is not relu, topk or batchtopk")
    }
    let prefixes = try vector("matryoshka").map { p in
      try p.enumerated().map { i, v in
        guard v == v.rounded(), abs(v) <= 1e9 else {
          throw ToyModelError("matryoshka[\(i)]: \(v) is not an integer")
        }
        return Int(v)
      }
    }
    let sae = try SAE(
      decoder: decoder, decoderBias: decoderBias, encoder: encoder, encoderBias: encoderBias,
      activation: activation, prefixes: prefixes)
    guard features.count == sae.dimensions else {
      throw ToyModelError("features: \(features.count) names for \(sae.dimensions) dimensions")
    }
    self.init(features: features, sae: sae)
  }

  /// The file's JSON (keys sorted, full precision).
  public func json() throws -> Data {
    let d = sae.dimensions
    func rows(_ w: [Double]) -> [[Double]] {
      (0..<sae.latents).map { Array(w[($0 * d)..<(($0 + 1) * d)]) }
    }
    var o: [String: Any] = [
      "features": features, "tied": sae.tied, "decoder": rows(sae.decoder),
      "decoder_bias": sae.decoderBias, "encoder_bias": sae.encoderBias,
      "top_k": NSNull(), "threshold": NSNull(),
      "matryoshka": sae.prefixes == [sae.latents] ? NSNull() : sae.prefixes as Any,
    ]
    if !sae.tied { o["encoder"] = rows(sae.encoder) }
    switch sae.activation {
    case .relu: o["activation"] = "relu"
    case .topK(let k):
      o["activation"] = "topk"
      o["top_k"] = k
    case .batchTopK(let k, let t):
      o["activation"] = "batchtopk"
      o["top_k"] = k
      o["threshold"] = t
    }
    return try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
  }
}
