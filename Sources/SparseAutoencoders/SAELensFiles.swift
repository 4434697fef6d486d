import Foundation
import Reports
import SafeTensors
import ToyModels

/// An SAE in SAELens's format: a folder with `cfg.json` and `sae_weights.safetensors`
/// (decoderesearch/SAELens, sae_lens/constants.py `SAE_CFG_FILENAME`, `SAE_WEIGHTS_FILENAME`;
/// written by sae_lens/saes/sae.py `SAE.save_model`, read by
/// sae_lens/loading/pretrained_sae_loaders.py `sae_lens_disk_loader`).
///
///     hidden_pre = (x - b_dec * apply_b_dec_to_input) @ W_enc + b_enc
///     standard:  h = relu(hidden_pre)                           (standard_sae.py)
///     topk:      h = relu of the k largest hidden_pre, 0 else      (topk_sae.py `TopK`)
///     jumprelu:  h = relu(hidden_pre) * (hidden_pre > relu(threshold))  (jumprelu_sae.py)
///     xhat = h @ W_dec + b_dec
///
/// with `W_enc` [d_in, d_sae], `b_enc` [d_sae], `W_dec` [d_sae, d_in], `b_dec` [d_in] and
/// `threshold` [d_sae] (jumprelu). Our SAE is a_i = encoder[i] . (x - b_dec) + b_enc[i]
/// (`SAE.preactivations`), so W_enc = encoder^T and, written with apply_b_dec_to_input true,
/// b_enc is ours unchanged; a file with apply_b_dec_to_input false is read with
/// b_enc_i + sum_c W_enc[c][i] b_dec[c], the same function.
///
/// Architectures: relu is written as standard, topK(k) as topk (`k`, and
/// rescale_acts_by_decoder_norm false), batchTopK(k, t) as jumprelu with a threshold of t for
/// every latent, as SAELens saves a BatchTopK SAE for inference (batchtopk_sae.py
/// `process_state_dict_for_saving_inference`). A tied SAE is written untied, W_enc =
/// W_dec^T. What SAELens's format has no place for is kept in
/// `metadata.hedging_landscape`: `features` (the names of the d_in dimensions), `tied`,
/// `top_k` (a BatchTopK SAE's k), `matryoshka` (prefix widths) and `balance`.
///
/// Read: standard, topk (rescale_acts_by_decoder_norm true is folded into the weights, as
/// topk_sae.py `_fold_norm_topk`), jumprelu (every latent's threshold equal: our SAE has
/// one; a negative one reads as 0, as SAELens applies relu(threshold)) and batchtopk (a
/// training checkpoint: the scalar `topk_threshold`). normalize_activations other than none
/// and reshape_activations other than none are refused.
public enum SAELensFiles {
  public static let configFileName = "cfg.json"
  public static let weightsFileName = "sae_weights.safetensors"

  /// What SAELens's format has no place for, kept in `metadata.hedging_landscape`.
  struct Kept: Codable {
    var features: [String]?
    var tied: Bool?
    var top_k: Int?
    var matryoshka: [Int]?
    var balance: Double?
    /// Whether L1 counts per Matryoshka prefix (`SAE.l1PerPrefix`); absent: false.
    var l1_per_prefix: Bool?
  }

  struct Metadata: Codable {
    var hedging_landscape: Kept?
  }

  /// The fields of `cfg.json` read and written (SAELens's other fields are ignored).
  struct Config: Codable {
    var architecture: String?
    var d_in: Int?
    var d_sae: Int?
    var dtype: String?
    var device: String?
    var apply_b_dec_to_input: Bool?
    var normalize_activations: String?
    var reshape_activations: String?
    var k: Double?
    var rescale_acts_by_decoder_norm: Bool?
    var metadata: Metadata?
  }

  /// The two files of an SAE: `cfg.json`'s bytes and `sae_weights.safetensors`'s.
  /// - Parameters:
  ///   - file: the SAE and the names of its d dimensions (kept in the metadata).
  ///   - dtype: F32 (SAELens's default, "float32") or F64 ("float64").
  /// - Throws: `FieldError` for a BatchTopK threshold below 0 (SAELens applies
  ///   relu(threshold): the function would change), a value that is not finite in F32, or a
  ///   dtype other than F32 and F64.
  public static func files(_ file: SAEFile, dtype: SafeTensor.DType) throws -> (
    config: Data, weights: Data
  ) {
    guard dtype == .f32 || dtype == .f64 else {
      throw FieldError(field: "dtype", value: dtype.rawValue, reason: "is not written (F32 or F64)")
    }
    let sae = file.sae
    let (k, d) = (sae.latents, sae.dimensions)
    let encoder = sae.tied ? sae.decoder : sae.encoder
    var tensors = [
      SafeTensor(
        name: "W_enc", dtype: dtype, shape: [d, k],
        values: (0..<(d * k)).map { encoder[($0 % k) * d + $0 / k] }),
      SafeTensor(name: "b_enc", dtype: dtype, shape: [k], values: sae.encoderBias),
      SafeTensor(name: "W_dec", dtype: dtype, shape: [k, d], values: sae.decoder),
      SafeTensor(name: "b_dec", dtype: dtype, shape: [d], values: sae.decoderBias),
    ]
    var config = Config(
      d_in: d, d_sae: k, dtype: dtype == .f32 ? "float32" : "float64", device: "cpu",
      apply_b_dec_to_input: true, normalize_activations: "none", reshape_activations: "none")
    var kept = Kept(features: file.features, tied: sae.tied ? true : nil)
    switch sae.activation {
    case .relu:
      config.architecture = "standard"
    case .topK(let n):
      config.architecture = "topk"
      config.k = Double(n)
      config.rescale_acts_by_decoder_norm = false
    case .batchTopK(let n, let t):
      guard t >= 0 else {
        throw FieldError(
          field: "threshold", value: "\(t)",
          reason: "is below 0: SAELens's jumprelu uses relu(threshold), another function")
      }
      config.architecture = "jumprelu"
      kept.top_k = n
      tensors.append(
        SafeTensor(
          name: "threshold", dtype: dtype, shape: [k],
          values: [Double](repeating: t, count: k)))
    }
    if sae.prefixes != [k] { kept.matryoshka = sae.prefixes }
    kept.balance = sae.balance
    if sae.l1PerPrefix { kept.l1_per_prefix = true }
    config.metadata = Metadata(hedging_landscape: kept)
    let weights = try SafeTensorsFile(tensors: tensors).data()
    var configData = try ReportJSON.data(config)
    configData.append(UInt8(ascii: "\n"))
    return (configData, weights)
  }

  /// The SAE of a `cfg.json` and `sae_weights.safetensors`, and the dimensions' names when
  /// the metadata keeps them.
  /// - Parameters:
  ///   - config: cfg.json's bytes.
  ///   - weights: sae_weights.safetensors's bytes.
  ///   - weightsSource: the weights file's path, named in errors about it.
  /// - Throws: `FieldError` naming the cfg field or the tensor: a missing or malformed field,
  ///   an architecture or normalisation not read, a tensor missing or of the wrong shape, a
  ///   value that is not finite, thresholds that differ between latents.
  public static func file(config: Data, weights: Data, weightsSource: String) throws -> (
    sae: SAE, features: [String]?
  ) {
    let cfg: Config
    do {
      cfg = try JSONDecoder().decode(Config.self, from: config)
    } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
      throw FieldError(
        field: context.codingPath.map(\.stringValue).joined(separator: "."), value: "",
        reason: "is of the wrong kind")
    } catch {
      throw FieldError(field: configFileName, value: "", reason: "is not one JSON object")
    }
    guard let architecture = cfg.architecture else {
      throw FieldError(field: "architecture", value: "", reason: "missing")
    }
    let names = ["standard", "topk", "jumprelu", "batchtopk"]
    guard names.contains(architecture) else {
      throw FieldError(
        field: "architecture", value: "\"\(escapedForMessage(architecture, limit: 40))\"",
        reason: "is not read here (\(names.joined(separator: ", ")))")
    }
    func size(_ value: Int?, _ key: String) throws -> Int {
      guard let n = value else { throw FieldError(field: key, value: "", reason: "missing") }
      guard (1...1_000_000).contains(n) else {
        throw FieldError(field: key, value: "\(n)", reason: "is not in 1...1000000")
      }
      return n
    }
    let d = try size(cfg.d_in, "d_in")
    let k = try size(cfg.d_sae, "d_sae")
    for (key, value) in [
      ("normalize_activations", cfg.normalize_activations),
      ("reshape_activations", cfg.reshape_activations),
    ] where value != nil && value != "none" {
      throw FieldError(
        field: key, value: "\"\(escapedForMessage(value!, limit: 40))\"",
        reason: "is not read here (none only: the toy's activations are not normalised)")
    }
    let kept = cfg.metadata?.hedging_landscape
    let file = try SafeTensorsFile(data: weights, source: weightsSource)
    func tensor(_ name: String, _ shape: [Int]) throws -> [Double] {
      guard let t = file[name] else {
        throw FieldError(field: name, value: "", reason: "missing from \(weightsFileName)")
      }
      guard t.shape == shape else {
        throw FieldError(
          field: name, value: "shape \(t.shape)", reason: "is not \(shape) (d_in \(d), d_sae \(k))")
      }
      for (i, v) in t.values.enumerated() where !v.isFinite {
        throw FieldError(field: "\(name)[\(i)]", value: "\(v)", reason: "is not a finite number")
      }
      return t.values
    }
    let wEnc = try tensor("W_enc", [d, k])
    var bEnc = try tensor("b_enc", [k])
    let wDec = try tensor("W_dec", [k, d])
    let bDec = try tensor("b_dec", [d])
    var encoder = (0..<k).map { i in (0..<d).map { c in wEnc[c * k + i] } }
    var decoder = (0..<k).map { i in Array(wDec[(i * d)..<((i + 1) * d)]) }
    if cfg.apply_b_dec_to_input == false {
      for i in 0..<k {
        for c in 0..<d { bEnc[i] += encoder[i][c] * bDec[c] }
      }
    }
    let tied = kept?.tied ?? false
    if tied && encoder != decoder {
      throw FieldError(
        field: "metadata.hedging_landscape.tied", value: "true", reason: "but W_enc is not W_dec^T")
    }
    func topK() throws -> Int {
      guard let n = cfg.k, n == n.rounded(), n >= 1, n <= Double(k) else {
        throw FieldError(
          field: "k", value: cfg.k.map { "\($0)" } ?? "", reason: "is not an integer in 1...\(k)")
      }
      return Int(n)
    }
    let activation: SAE.Activation
    switch architecture {
    case "topk":
      activation = .topK(try topK())
      if cfg.rescale_acts_by_decoder_norm == true {
        guard !tied else {
          throw FieldError(
            field: "rescale_acts_by_decoder_norm", value: "true", reason: "is not read for a tied SAE")
        }
        // h_i = TopK(hidden_pre_i |W_dec_i|) decoded as h_i W_dec_i / |W_dec_i|: fold the norms.
        for i in 0..<k {
          let norm = decoder[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
          guard norm > 0 else {
            throw FieldError(
              field: "W_dec[\(i)]", value: "", reason: "is zero: rescale_acts_by_decoder_norm divides by its norm")
          }
          encoder[i] = encoder[i].map { $0 * norm }
          bEnc[i] *= norm
          decoder[i] = decoder[i].map { $0 / norm }
        }
      }
    case "jumprelu":
      let thresholds = try tensor("threshold", [k])
      guard thresholds.allSatisfy({ $0 == thresholds[0] }) else {
        throw FieldError(
          field: "threshold", value: "", reason: "differs between latents (this SAE has one threshold)")
      }
      let n = kept?.top_k ?? k
      activation = .batchTopK(k: n, threshold: max(thresholds[0], 0))
    case "batchtopk":
      let t = try tensor("topk_threshold", [])
      activation = .batchTopK(k: try topK(), threshold: max(t[0], 0))
    default:
      activation = .relu
    }
    let sae = try SAE(
      decoder: decoder, decoderBias: bDec, encoder: tied ? nil : encoder, encoderBias: bEnc,
      activation: activation, prefixes: kept?.matryoshka, balance: kept?.balance,
      l1PerPrefix: kept?.l1_per_prefix ?? false)
    if let names = kept?.features, names.count != d {
      throw FieldError(
        field: "metadata.hedging_landscape.features", value: "",
        reason: "\(names.count) names for d_in \(d)")
    }
    return (sae, kept?.features)
  }
}
