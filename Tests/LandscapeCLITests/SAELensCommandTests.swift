import Foundation
import XCTest

/// SAELens's folders (cfg.json + sae_weights.safetensors) through the real binary, and
/// against Python's `safetensors` package with numpy (which `make test` installs).
final class SAELensCommandTests: CommandTestCase {
  let saeCase = """
    {"features": ["parent", "child"], "patterns": [
      {"name": "p0", "probability": 0.2, "fires": {"parent": 1}},
      {"name": "p01", "probability": 0.05, "fires": {"parent": 1, "child": 1}},
      {"name": "p1", "probability": 0.075, "fires": {"child": 1}}],
     "sae": {"latents": 1}}
    """

  private func train(_ c: String, _ extra: [String]) throws {
    let run = try landscape(["train", c, "--steps", "300", "--seed", "3"] + extra)
    XCTAssertEqual(run.status, 0, run.stderr)
  }

  func testASavedFolderGivesTheJSONFilesLosses() throws {
    let c = try write("c.json", saeCase)
    try train(c, ["--save", "s.json"])
    try train(c, ["--save", "f32/"])
    try train(c, ["--save", "f64", "--format", "saelens", "--dtype", "float64"])
    let json = try saeLoss(c, "s.json")
    // F64 keeps every weight: the same losses to the bit.
    XCTAssertEqual(try saeLoss(c, "f64"), json)
    // F32 rounds each weight once (relative 2^-24): the losses move by about as much.
    let f32 = try saeLoss(c, "f32/sae_weights.safetensors")
    for key in ["mse", "l2", "sparsity"] {
      let (a, b) = (try XCTUnwrap(json[key]), try XCTUnwrap(f32[key]))
      XCTAssertEqual(a, b, accuracy: 1e-6 * abs(a), key)
    }
    XCTAssertEqual(f32["l0"], json["l0"])
    // --init-from reads the folder: 0 more steps give its losses back (its decoder norms
    // folded into the encoder, the same function up to rounding).
    try train(c, ["--init-from", "f64/", "--steps", "0", "--save", "again.json"])
    let again = try saeLoss(c, "again.json")
    for key in ["mse", "l2", "sparsity", "l0"] {
      let (a, b) = (try XCTUnwrap(json[key]), try XCTUnwrap(again[key]))
      XCTAssertEqual(a, b, accuracy: 1e-12 * abs(a), key)
    }
  }

  func testPythonSafetensorsReadsTheWeightsExactly() throws {
    let c = try write("c.json", saeCase)
    try train(c, ["--save", "s.json"])
    try train(c, ["--save", "out/"])
    let result = try python(
      """
      import json, numpy as np
      from safetensors.numpy import load_file
      w = load_file("out/sae_weights.safetensors")
      s = json.load(open("s.json"))
      cfg = json.load(open("out/cfg.json"))
      f32 = lambda v: np.array(v, dtype=np.float64).astype(np.float32)
      assert cfg["architecture"] == "standard" and cfg["d_in"] == 2 and cfg["d_sae"] == 1, cfg
      assert cfg["metadata"]["hedging_landscape"]["features"] == ["parent", "child"], cfg
      assert all(w[k].dtype == np.float32 for k in w), {k: w[k].dtype for k in w}
      assert w["W_enc"].shape == (2, 1) and w["W_dec"].shape == (1, 2), w
      assert np.array_equal(w["W_enc"], f32(s["encoder"]).T), (w["W_enc"], s["encoder"])
      assert np.array_equal(w["W_dec"], f32(s["decoder"])), (w["W_dec"], s["decoder"])
      assert np.array_equal(w["b_enc"], f32(s["encoder_bias"])), (w["b_enc"], s["encoder_bias"])
      assert np.array_equal(w["b_dec"], f32(s["decoder_bias"])), (w["b_dec"], s["decoder_bias"])
      print("ok")
      """)
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertEqual(result.output, "ok\n")
  }

  func testAFileWrittenByPythonIsRead() throws {
    let c = try write("c.json", saeCase)
    // SAELens's standard SAE with apply_b_dec_to_input false: hidden_pre = x @ W_enc + b_enc.
    // W_dec stored as F16, the rest F32 (every value exact in both).
    let result = try python(
      """
      import json, os, numpy as np
      from safetensors.numpy import save_file
      os.mkdir("py")
      save_file({
          "W_enc": np.array([[1, -0.25], [0.5, 2]], dtype=np.float32),
          "b_enc": np.array([0.25, -0.5], dtype=np.float32),
          "W_dec": np.array([[1, 0], [0, 1]], dtype=np.float16),
          "b_dec": np.array([0.5, -1], dtype=np.float32),
      }, "py/sae_weights.safetensors", metadata={"format": "np"})
      json.dump({"architecture": "standard", "d_in": 2, "d_sae": 2, "dtype": "float32",
                 "device": "cpu", "apply_b_dec_to_input": False,
                 "normalize_activations": "none", "metadata": {"model_name": "toy"}},
                open("py/cfg.json", "w"))
      """)
    XCTAssertEqual(result.status, 0, result.output)
    // The same SAE in our form, converted by hand: encoder = W_enc^T and
    // encoder_bias = b_enc + W_enc^T b_dec = (0.25 + 0.5 - 0.5, -0.5 - 0.125 - 2).
    let s = try write(
      "s.json",
      """
      {"features": ["parent", "child"], "tied": false, "activation": "relu",
       "encoder": [[1, 0.5], [-0.25, 2]], "encoder_bias": [0.25, -2.625],
       "decoder": [[1, 0], [0, 1]], "decoder_bias": [0.5, -1]}
      """)
    XCTAssertEqual(try saeLoss(c, "py"), try saeLoss(c, s))
  }

  func testRefusals() throws {
    let c = try write("c.json", saeCase)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("wide"), withIntermediateDirectories: true)
    _ = try write(
      "wide/cfg.json", #"{"architecture": "standard", "d_in": 3, "d_sae": 1}"#)
    // A 3-dimensional SAE in F32: header then 4 + 1 + 3 + 3 values (zeros).
    let header =
      #"{"W_enc":{"dtype":"F32","shape":[3,1],"data_offsets":[0,12]},"#
      + #""b_enc":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"#
      + #""W_dec":{"dtype":"F32","shape":[1,3],"data_offsets":[16,28]},"#
      + #""b_dec":{"dtype":"F32","shape":[3],"data_offsets":[28,40]}}"#
    var bytes = [UInt8(header.utf8.count), 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8)
    bytes += [UInt8](repeating: 0, count: 40)
    try Data(bytes).write(to: folder.appendingPathComponent("wide/sae_weights.safetensors"))
    var run = try landscape(["sae-loss", c, "--sae", "wide"])
    XCTAssertEqual(
      run.stderr,
      "landscape: --sae: has d_in 3, the case 2 features: an SAELens SAE in more dimensions needs the features' directions (sae-loss --features) (see 'landscape sae-loss --help')\n")
    // A truncated weights file: one line, no crash.
    try Data(bytes.prefix(30)).write(to: folder.appendingPathComponent("wide/sae_weights.safetensors"))
    run = try landscape(["sae-loss", c, "--sae", "wide/"])
    XCTAssertNotEqual(run.status, 0)
    XCTAssertTrue(
      run.stderr.hasPrefix("landscape: --sae: wide/ is not an SAE file: wide/sae_weights.safetensors: header length "),
      run.stderr)
    XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 1, run.stderr)
    // Saving over the folder it starts from.
    try train(c, ["--save", "mine/"])
    run = try landscape(["train", c, "--steps", "1", "--init-from", "mine", "--save", "mine/"])
    XCTAssertEqual(
      run.stderr,
      "landscape: --save: mine/ is also an input of this command (the same files): writing it would replace it (see 'landscape train --help')\n")
  }
}
