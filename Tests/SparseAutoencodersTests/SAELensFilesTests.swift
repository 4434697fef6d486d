import Foundation
import SafeTensors
import ToyModels
import XCTest

@testable import SparseAutoencoders

final class SAELensFilesTests: XCTestCase {
  func roundTrip(_ file: SAEFile, _ dtype: SafeTensor.DType) throws -> (SAE, [String]?, SafeTensorsFile) {
    let (config, weights) = try SAELensFiles.files(file, dtype: dtype)
    let read = try SAELensFiles.file(config: config, weights: weights, weightsSource: "w")
    return (read.sae, read.features, try SafeTensorsFile(data: weights, source: "w"))
  }

  /// cfg.json's object.
  func config(_ file: SAEFile) throws -> [String: Any] {
    let (config, _) = try SAELensFiles.files(file, dtype: .f32)
    return try JSONSerialization.jsonObject(with: config) as! [String: Any]
  }

  func testUntiedReluIsWrittenAsStandardWithWEncTheEncoderTransposed() throws {
    let sae = try SAE(
      decoder: [[0.8, 0.6], [0, 1]], decoderBias: [0.5, -1], encoder: [[1, 0.5], [-0.25, 2]],
      encoderBias: [0.1, -0.2])
    let file = SAEFile(features: ["parent", "child"], sae: sae)
    let (back, features, weights) = try roundTrip(file, .f64)
    XCTAssertEqual(back, sae)
    XCTAssertEqual(features, ["parent", "child"])
    // W_enc[c][i] = encoder[i][c]: rows (c) [1, -0.25] and [0.5, 2].
    XCTAssertEqual(weights["W_enc"]?.shape, [2, 2])
    XCTAssertEqual(weights["W_enc"]?.values, [1, -0.25, 0.5, 2])
    XCTAssertEqual(weights["W_dec"]?.values, [0.8, 0.6, 0, 1])
    XCTAssertEqual(weights["b_enc"]?.values, [0.1, -0.2])
    XCTAssertEqual(weights["b_dec"]?.values, [0.5, -1])
    XCTAssertEqual(weights["W_dec"]?.dtype, .f64)
    XCTAssertNil(weights["threshold"])
    let cfg = try config(file)
    XCTAssertEqual(cfg["architecture"] as? String, "standard")
    XCTAssertEqual(cfg["d_in"] as? Int, 2)
    XCTAssertEqual(cfg["d_sae"] as? Int, 2)
    XCTAssertEqual(cfg["dtype"] as? String, "float32")
    XCTAssertEqual(cfg["apply_b_dec_to_input"] as? Bool, true)
    XCTAssertEqual(cfg["normalize_activations"] as? String, "none")
  }

  func testF32RoundsEachValueOnce() throws {
    let sae = try SAE(decoder: [[0.1]], decoderBias: [0], encoder: [[0.1]], encoderBias: [0])
    let (back, _, _) = try roundTrip(SAEFile(features: ["a"], sae: sae), .f32)
    // 0.1 in F32: 13421773 * 2^-27.
    XCTAssertEqual(back.decoder, [13_421_773 * 0x1p-27])
    XCTAssertEqual(back.encoder, [13_421_773 * 0x1p-27])
  }

  func testBatchTopKIsJumpReLUWithOneThresholdPerLatentAndKeepsMatryoshka() throws {
    let sae = try SAE(
      decoder: [[1, 0], [0.6, 0.8]], decoderBias: [0.25, 0], encoderBias: [0.5, -0.5],
      activation: .batchTopK(k: 1, threshold: 0.375), prefixes: [1, 2], balance: 0.5,
      l1PerPrefix: true)
    let file = SAEFile(features: ["parent", "child"], sae: sae)
    let (back, _, weights) = try roundTrip(file, .f64)
    XCTAssertEqual(back, sae)
    XCTAssertTrue(back.tied)
    XCTAssertEqual(weights["threshold"]?.values, [0.375, 0.375])
    // Tied: written untied with W_enc = W_dec^T.
    XCTAssertEqual(weights["W_enc"]?.values, [1, 0.6, 0, 0.8])
    let cfg = try config(file)
    XCTAssertEqual(cfg["architecture"] as? String, "jumprelu")
    let kept = (cfg["metadata"] as? [String: Any])?["hedging_landscape"] as? [String: Any]
    XCTAssertEqual(kept?["matryoshka"] as? [Int], [1, 2])
    XCTAssertEqual(kept?["balance"] as? Double, 0.5)
    XCTAssertEqual(kept?["l1_per_prefix"] as? Bool, true)
    XCTAssertEqual(kept?["top_k"] as? Int, 1)
    XCTAssertEqual(kept?["tied"] as? Bool, true)
  }

  func testTopKKeepsK() throws {
    let sae = try SAE(
      decoder: [[1, 0], [0, 1], [0.6, 0.8]], decoderBias: [0, 0],
      encoder: [[1, 0], [0, 1], [0.6, 0.8]], encoderBias: [0, 0, 0], activation: .topK(2))
    let file = SAEFile(features: ["a", "b"], sae: sae)
    XCTAssertEqual(try roundTrip(file, .f64).0, sae)
    let cfg = try config(file)
    XCTAssertEqual(cfg["architecture"] as? String, "topk")
    XCTAssertEqual(cfg["k"] as? Int, 2)
    XCTAssertEqual(cfg["rescale_acts_by_decoder_norm"] as? Bool, false)
  }

  func testANegativeBatchTopKThresholdIsRefused() throws {
    let sae = try SAE(
      decoder: [[1]], decoderBias: [0], activation: .batchTopK(k: 1, threshold: -0.5))
    XCTAssertThrowsError(try SAELensFiles.files(SAEFile(features: ["a"], sae: sae), dtype: .f32)) {
      XCTAssertEqual(
        "\($0)", "threshold: -0.5 is below 0: SAELens's jumprelu uses relu(threshold), another function")
    }
  }

  /// SAELens's own files: cfg.json as text, weights from tensors (values exact in F32).
  func read(_ cfg: String, _ tensors: [SafeTensor]) throws -> SAE {
    let weights = try SafeTensorsFile(tensors: tensors).data()
    return try SAELensFiles.file(config: Data(cfg.utf8), weights: weights, weightsSource: "w").sae
  }

  func t(_ name: String, _ shape: [Int], _ values: [Double]) -> SafeTensor {
    SafeTensor(name: name, dtype: .f32, shape: shape, values: values)
  }

  func testApplyBDecToInputFalseFoldsBDecIntoBEnc() throws {
    // SAELens: hidden_pre = x @ W_enc + b_enc. Ours: encoder . (x - b_dec) + b_enc', so
    // b_enc'_i = b_enc_i + sum_c W_enc[c][i] b_dec[c]:
    //   latent 0: 0.25 + (1 * 0.5 + 0.5 * -1) = 0.25
    //   latent 1: -0.5 + (-0.25 * 0.5 + 2 * -1) = -2.625
    let sae = try read(
      #"{"architecture": "standard", "d_in": 2, "d_sae": 2, "apply_b_dec_to_input": false}"#,
      [
        t("W_enc", [2, 2], [1, -0.25, 0.5, 2]), t("b_enc", [2], [0.25, -0.5]),
        t("W_dec", [2, 2], [1, 0, 0, 1]), t("b_dec", [2], [0.5, -1]),
      ])
    XCTAssertEqual(sae.encoderBias, [0.25, -2.625])
    // At x = (1, 2) SAELens's pre-activations are 1 + 1 + 0.25 = 2.25 and
    // -0.25 + 4 - 0.5 = 3.25.
    XCTAssertEqual(sae.preactivations([1, 2]), [2.25, 3.25])
    XCTAssertFalse(sae.tied)
    XCTAssertEqual(sae.activation, .relu)
  }

  func testTopKRescaledByDecoderNormsIsFolded() throws {
    // rescale_acts_by_decoder_norm: h = TopK((x - b_dec) @ W_enc + b_enc) * |W_dec_i|,
    // decoded by W_dec_i / |W_dec_i|. Norms 5 ([3, 4]) and 2 ([0, 2]).
    let sae = try read(
      #"{"architecture": "topk", "d_in": 2, "d_sae": 2, "k": 1,"#
        + #" "rescale_acts_by_decoder_norm": true, "model_name": "ignored"}"#,
      [
        t("W_enc", [2, 2], [1, 0, 0, 1]), t("b_enc", [2], [1, 0.5]),
        t("W_dec", [2, 2], [3, 4, 0, 2]), t("b_dec", [2], [0, 0]),
      ])
    XCTAssertEqual(sae.encoder, [5, 0, 0, 2])
    XCTAssertEqual(sae.encoderBias, [5, 1])
    XCTAssertEqual(sae.decoder, [0.6, 0.8, 0, 1])
    XCTAssertEqual(sae.activation, .topK(1))
  }

  func testJumpReLUThresholdsAreOneNumberAndANegativeOneReadsAsZero() throws {
    let tensors = [
      t("W_enc", [1, 2], [1, 1]), t("b_enc", [2], [0, 0]),
      t("W_dec", [2, 1], [1, 1]), t("b_dec", [1], [0]),
    ]
    let cfg = #"{"architecture": "jumprelu", "d_in": 1, "d_sae": 2}"#
    XCTAssertEqual(
      try read(cfg, tensors + [t("threshold", [2], [-0.5, -0.5])]).activation,
      .batchTopK(k: 2, threshold: 0))
    XCTAssertThrowsError(try read(cfg, tensors + [t("threshold", [2], [0.5, 0.25])])) {
      XCTAssertEqual("\($0)", "threshold: differs between latents (this SAE has one threshold)")
    }
    XCTAssertThrowsError(try read(cfg, tensors)) {
      XCTAssertEqual("\($0)", "threshold: missing from sae_weights.safetensors")
    }
  }

  func testAnInfiniteF16ValueIsRefused() throws {
    // b_dec stored as F16 0x7C00 (+infinity); the rest F32.
    let finite = try SafeTensorsFile(tensors: [
      t("W_enc", [1, 1], [1]), t("b_enc", [1], [0]), t("W_dec", [1, 1], [1]),
    ]).data()
    let n = Int(finite[0])  // the header is shorter than 256 bytes
    var header = String(decoding: finite[8..<(8 + n)], as: UTF8.self)
      .trimmingCharacters(in: .whitespaces).dropLast()
    header += #","b_dec":{"dtype":"F16","shape":[1],"data_offsets":[12,14]}}"#
    let h = Array(header.utf8)
    let bytes = [UInt8(h.count), 0, 0, 0, 0, 0, 0, 0] + h + Array(finite[(8 + n)...]) + [0x00, 0x7C]
    let cfg = #"{"architecture": "standard", "d_in": 1, "d_sae": 1}"#
    XCTAssertThrowsError(
      try SAELensFiles.file(config: Data(cfg.utf8), weights: Data(bytes), weightsSource: "w")
    ) { XCTAssertEqual("\($0)", "b_dec[0]: inf is not a finite number") }
  }

  func testWhatIsNotReadIsRefusedInOneLine() throws {
    let tensors = [
      t("W_enc", [1, 1], [1]), t("b_enc", [1], [0]), t("W_dec", [1, 1], [1]), t("b_dec", [1], [0]),
    ]
    let cases: [(String, [SafeTensor], String)] = [
      (#"{"architecture": "gated", "d_in": 1, "d_sae": 1}"#, tensors,
       #"architecture: "gated" is not read here (standard, topk, jumprelu, batchtopk)"#),
      (#"{"architecture": "standard", "d_in": 1, "d_sae": 1, "normalize_activations": "layer_norm"}"#,
       tensors,
       #"normalize_activations: "layer_norm" is not read here (none only: the toy's activations are not normalised)"#),
      (#"{"architecture": "standard", "d_in": 2, "d_sae": 1}"#, tensors,
       "W_enc: shape [1, 1] is not [2, 1] (d_in 2, d_sae 1)"),
      (#"{"architecture": "standard", "d_sae": 1}"#, tensors, "d_in: missing"),
      (#"{"architecture": "topk", "d_in": 1, "d_sae": 1, "k": 1.5}"#, tensors,
       "k: 1.5 is not an integer in 1...1"),
      (#"{"architecture": "standard", "d_in": 1, "d_sae": 1,"#
        + #" "metadata": {"hedging_landscape": {"tied": true}}}"#,
       [t("W_enc", [1, 1], [2])] + tensors.dropFirst(),
       "metadata.hedging_landscape.tied: true but W_enc is not W_dec^T"),
    ]
    for (cfg, tensors, message) in cases {
      XCTAssertThrowsError(try read(cfg, tensors), message) { XCTAssertEqual("\($0)", message) }
    }
  }
}
