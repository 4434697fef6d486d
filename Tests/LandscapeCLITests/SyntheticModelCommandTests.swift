import Foundation
import XCTest

/// `export-toy` and toys read from SAELens's synthetic model folders and the paper's tree
/// files, through the binary and Python's safetensors with numpy.
final class SyntheticModelCommandTests: CommandTestCase {
  /// P(parent) = 0.25; exclusive children a, b with P(child | parent) = 0.3 each; solo 0.1.
  let hierarchyCase = """
    {"features": ["parent", "a", "b", "solo"],
     "hierarchy": {"groups": [{"parent": "parent", "parent_probability": 0.25,
                              "children": ["a", "b"], "child_probability": 0.3}],
                   "independent": [{"feature": "solo", "probability": 0.1}]},
     "sae": {"latents": 2}}
    """

  func testExportedFilesAreSAELensFormat() throws {
    let c = try write("c.json", hierarchyCase)
    let run = try landscape(["export-toy", c, "--out", "toy/", "--dtype", "float64"])
    XCTAssertEqual(run.status, 0, run.stderr)
    // By hand: the exclusive children's draws q solve q - q^2/2 = 0.3 (each wins alone, or
    // half the time against the other): q = 1 - sqrt(0.4).
    let result = try python(
      """
      import json, math, numpy as np
      from safetensors.numpy import load_file
      w = load_file("toy/synthetic_model.safetensors")
      cfg = json.load(open("toy/synthetic_model_config.json"))
      h = json.load(open("toy/hierarchy.json"))
      assert sorted(w) == ["bias", "feature_vectors", "firing_probabilities"], sorted(w)
      assert all(w[k].dtype == np.float64 for k in w)
      assert w["feature_vectors"].shape == (4, 4) and np.array_equal(w["feature_vectors"], np.eye(4))
      assert w["bias"].shape == (4,) and not w["bias"].any()
      q = 1 - math.sqrt(0.4)
      p = w["firing_probabilities"]
      assert abs(p[0] - 0.25) < 1e-15 and abs(p[3] - 0.1) < 1e-15 and abs(p[1] - q) < 1e-12 and abs(p[2] - q) < 1e-12, p
      assert cfg["num_features"] == 4 and cfg["hidden_dim"] == 4 and cfg["dtype"] == "float64", cfg
      assert cfg["mean_firing_magnitudes"] == 1 and cfg["std_firing_magnitudes"] == 0, cfg
      assert cfg["firing_probability"]["generator_name"] == "constant", cfg
      assert cfg["bias"] is False and cfg["hierarchy"] is None and cfg["correlation"] is None, cfg
      root, solo = h["roots"]
      assert solo == {"feature_index": 3, "feature_id": "solo", "children": [],
                      "mutually_exclusive_children": False, "scale_children_by_parent": False}, solo
      assert root["feature_index"] == 0 and root["feature_id"] == "parent", root
      assert root["mutually_exclusive_children"] is True and root["scale_children_by_parent"] is False
      assert [c["feature_index"] for c in root["children"]] == [1, 2], root
      print("ok")
      """)
    XCTAssertEqual(result.output, "ok\n")
    // Read back as a case's toy: the same losses as the hierarchy's, to rounding.
    let s = try write("s.json", """
      {"features": ["parent", "a", "b", "solo"], "tied": false, "activation": "relu",
       "encoder": [[1, 0.5, 0.25, 0], [0, 0.5, -1, 1]], "encoder_bias": [-0.1, 0.05],
       "decoder": [[0.8, 0.6, 0, 0], [0, 0.6, -0.8, 0]], "decoder_bias": [0.1, 0, 0, 0.2]}
      """)
    let back = try write("back.json", #"{"synthetic_model": "toy", "sae": {"latents": 2}}"#)
    let (a, b) = (try saeLoss(c, s), try saeLoss(back, s))
    XCTAssertEqual(Set(a.keys), Set(b.keys))
    for (k, v) in a { XCTAssertEqual(v, b[k]!, accuracy: 1e-12, k) }
    // An existing non-empty folder is refused, and nothing is written on a refusal.
    var again = try landscape(["export-toy", c, "--out", "toy"])
    XCTAssertEqual(again.status, 2)
    XCTAssertTrue(again.stderr.hasPrefix("landscape: --out: toy exists and is not an empty folder"), again.stderr)
    let unequal = try write("u.json", """
      {"features": ["x", "y"], "patterns": [{"probability": 0.2, "fires": {"x": 1}},
        {"probability": 0.2, "fires": {"y": 2}}], "sae": {"latents": 1}}
      """)
    again = try landscape(["export-toy", unequal, "--out", "u"])
    XCTAssertEqual(again.status, 1)
    XCTAssertEqual(
      again.stderr,
      "landscape: --out: the toy has no SAELens synthetic model: magnitude: 2.0 of y differs from 1.0: SAELens's synthetic model has one magnitude for every feature here\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("u").path))
  }

  /// A correlated toy: the factor's rows scaled so that SAELens's one threshold gives each
  /// feature its probability; C = F F^T + diag(d) up to that scaling.
  func testACorrelatedToyIsExported() throws {
    let c = try write("c.json", """
      {"features": ["x", "y", "z"], "correlated": {"probabilities": [0.2, 0.1, 0.3],
       "correlation": {"matrix": [[1, 0.5, 0.2], [0.5, 1, -0.3], [0.2, -0.3, 1]]}},
       "sae": {"latents": 1}}
      """)
    let run = try landscape(["export-toy", c, "--out", "toy", "--dtype", "float64"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let result = try python(
      """
      import json, math, numpy as np
      from safetensors.numpy import load_file
      from statistics import NormalDist
      w = load_file("toy/synthetic_model.safetensors")
      cfg = json.load(open("toy/synthetic_model_config.json"))
      F, d = w["correlation_factor"], w["correlation_diag"]
      C = F @ F.T + np.diag(d)
      v = np.sqrt(np.diag(C))
      want = np.array([[1, 0.5, 0.2], [0.5, 1, -0.3], [0.2, -0.3, 1]])
      assert np.allclose(C / np.outer(v, v), want, atol=1e-12), C
      t = NormalDist().inv_cdf(1 - cfg["firing_probability"]["probability"])
      got = [1 - NormalDist().cdf(t / s) for s in v]
      assert np.allclose(got, [0.2, 0.1, 0.3], atol=1e-12), got
      assert list(w["firing_probabilities"]) == [0.2, 0.1, 0.3]
      print("ok")
      """)
    XCTAssertEqual(result.output, "ok\n")
  }

  func testHostileSyntheticModels() throws {
    _ = try write("c.json", #"{"synthetic_model": "m", "sae": {"latents": 1}}"#)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("m"), withIntermediateDirectories: true)
    func model(_ probabilities: String, cfg: String = "") throws -> String {
      let result = try python(
        """
        import json, numpy as np
        from safetensors.numpy import save_file
        save_file({"feature_vectors": np.eye(2, dtype=np.float32), "bias": np.zeros(2, np.float32),
                   "firing_probabilities": np.array(\(probabilities), dtype=np.float32)},
                  "m/synthetic_model.safetensors")
        cfg = {"num_features": 2, "hidden_dim": 2, "mean_firing_magnitudes": 1.0}
        cfg.update({\(cfg)})
        json.dump(cfg, open("m/synthetic_model_config.json", "w"))
        """)
      XCTAssertEqual(result.status, 0, result.output)
      let run = try landscape(["train", "c.json", "--steps", "1"])
      XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, run.status == 0 ? 0 : 1, run.stderr)
      return run.stderr
    }
    XCTAssertEqual(
      try model("[0.5, 1.5]"),
      "landscape: c.json: synthetic_model: firing_probabilities[1]: 1.5 is not in [0, 1]\n")
    XCTAssertEqual(
      try model("[0.5, float('nan')]"),
      "landscape: c.json: synthetic_model: firing_probabilities[1]: nan is not a finite number\n")
    XCTAssertEqual(
      try model("[0.5, 0.5, 0.5]"),
      "landscape: c.json: synthetic_model: firing_probabilities: shape [3] is not [2] (num_features 2, hidden_dim 2)\n")
    XCTAssertEqual(
      try model("[0.5, 0.5]", cfg: #""std_firing_magnitudes": -0.25"#),
      "landscape: c.json: synthetic_model: std_firing_magnitudes: -0.25 is below 0\n")
    XCTAssertEqual(
      try model("[0.5, 0.5]", cfg: #""num_features": 0"#),
      "landscape: c.json: synthetic_model: num_features: 0 is not an integer in 1...1000000\n")
    XCTAssertEqual(try model("[0.5, 0.25]"), "")
  }

  /// The paper's tree file: features in depth-first order named by id; the exact
  /// distribution's true L0 by hand: 0.25 (parent) + 0.25 * 0.4 (one of a, b) + 0.1 (solo).
  func testAPaperTreeIsAToy() throws {
    _ = try write("tree.json", """
      {"active_prob": 1.0, "is_read_out": false, "children": [
        {"active_prob": 0.25, "id": "parent", "mutually_exclusive_children": true, "children": [
          {"active_prob": 0.2, "id": "a"}, {"active_prob": 0.2, "id": "b"},
          {"active_prob": 0.6, "is_read_out": false}]},
        {"active_prob": 0.1, "id": "solo"}]}
      """)
    let c = try write("c.json", #"{"tree": "tree.json", "sae": {"latents": 2}}"#)
    var run = try landscape(["train", c, "--steps", "5", "--save", "s.json", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(report["features"] as? [String], ["parent", "a", "b", "solo"])
    XCTAssertEqual(try saeLoss(c, "s.json")["true_l0"]!, 0.45, accuracy: 1e-15)
    _ = try write("bad.json", #"{"active_prob": 0.5, "children": [{"active_prob": 0.5, "magnitude_std": -0.1}]}"#)
    _ = try write("b.json", #"{"tree": "bad.json", "sae": {"latents": 1}}"#)
    run = try landscape(["train", "b.json"])
    XCTAssertEqual(
      run.stderr, "landscape: b.json: tree: root.children[0].magnitude_std: -0.1 is not in [0.0, 1000000.0]\n")
  }

  /// The same tree with drawn magnitudes (the paper's |N(mean, std^2)|): parent mean 1, std
  /// 0.3; a mean 2, std 0.5; b fixed at 1; solo mean 1, std 1. An SAE that never fires
  /// (xhat = 0) has mse E|x|^2 = sum_f P(f) (mean_f^2 + std_f^2) = 0.25 * 1.09 + 0.05 * 4.25
  /// + 0.05 * 1 + 0.1 * 2 = 0.735 and true L0 0.45, estimated from 100,000 draws; by hand
  /// (E m^4 = mean^4 + 6 mean^2 std^2 + 3 std^4, the tree and solo independent) Var |x|^2 =
  /// 3.3367 - 0.735^2 = 2.796475, so the standard error is 0.0052882.
  func testAPaperTreeWithDrawnMagnitudesIsSampled() throws {
    _ = try write("tree.json", """
      {"active_prob": 1.0, "is_read_out": false, "children": [
        {"active_prob": 0.25, "id": "parent", "magnitude_std": 0.3, "mutually_exclusive_children": true, "children": [
          {"active_prob": 0.2, "id": "a", "magnitude_mean": 2, "magnitude_std": 0.5}, {"active_prob": 0.2, "id": "b"},
          {"active_prob": 0.6, "is_read_out": false}]},
        {"active_prob": 0.1, "id": "solo", "magnitude_std": 1}]}
      """)
    let c = try write("c.json", #"{"tree": "tree.json", "sae": {"latents": 2}}"#)
    let s = try write("s.json", """
      {"features": ["parent", "a", "b", "solo"], "tied": false, "activation": "relu",
       "encoder": [[0, 0, 0, 0], [0, 0, 0, 0]], "encoder_bias": [-1, -1],
       "decoder": [[1, 0, 0, 0], [0, 1, 0, 0]], "decoder_bias": [0, 0, 0, 0]}
      """)
    var run = try landscape(["sae-loss", c, "--sae", s, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let m = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(m["exact"] as? Bool, false)
    XCTAssertEqual(m["samples"] as? Int, 100_000)
    let mse = try XCTUnwrap(m["mse"] as? Double)
    let se = try XCTUnwrap(m["mse_standard_error"] as? Double)
    XCTAssertEqual(mse, 0.735, accuracy: 4 * 0.0052882)
    XCTAssertEqual(se, 0.0052882, accuracy: 0.1 * 0.0052882)
    XCTAssertEqual(try XCTUnwrap(m["true_l0"] as? Double), 0.45, accuracy: 0.01)
    XCTAssertEqual(m["l0"] as? Double, 0)
    run = try landscape(["sae-loss", c, "--sae", s])
    XCTAssertTrue(run.stdout.contains("(estimated, 100000 samples, +- one standard error)"), run.stdout)
    // Trained on draws (exact data is refused), the same bits from the same seed.
    run = try landscape(["train", c, "--steps", "20", "--data", "exact"])
    XCTAssertEqual(run.status, 2)
    XCTAssertTrue(run.stderr.contains("--data: exact needs an enumerable toy"), run.stderr)
    for file in ["a.json", "b.json"] {
      run = try landscape(["train", c, "--steps", "20", "--samples", "1000", "--save", file])
      XCTAssertEqual(run.status, 0, run.stderr)
    }
    XCTAssertEqual(
      try Data(contentsOf: folder.appendingPathComponent("a.json")),
      try Data(contentsOf: folder.appendingPathComponent("b.json")))
    // SAELens draws relu-clipped normals only: the folded tree is not exported.
    run = try landscape(["export-toy", c, "--out", "toy"])
    XCTAssertEqual(run.status, 1)
    XCTAssertEqual(
      run.stderr,
      "landscape: --out: the toy has no SAELens synthetic model: magnitude_std: draws folded magnitudes: SAELens's are truncated here (a normal given it is above 0)\n")
  }

  /// A SAELens hierarchy with std_firing_magnitudes above 0 reads as a sampled toy and is
  /// written back with the same probabilities and std. SAELens 6.54 draws the magnitudes
  /// relu(1 + 2 g) first and switches off a child whose parent's magnitude is 0: the parent
  /// is active with P 0.4 Phi(0.5) = 0.2765849845096053 and the child with P
  /// 0.2765849845096053 * 0.5 Phi(0.5) = 0.09562406707022322 (Phi(0.5) = 0.6914624612740131,
  /// scipy), a true L0 of 0.37220905157982853 (0.4148774767644079 if the children of a
  /// clipped parent stayed on; the standard error at 100,000 draws is about 0.0017).
  func testASAELensHierarchyWithDrawnMagnitudesRoundTrips() throws {
    let result = try python(
      """
      import json, os, numpy as np
      from safetensors.numpy import save_file
      os.mkdir("m")
      save_file({"feature_vectors": np.eye(2), "bias": np.zeros(2),
                 "firing_probabilities": np.array([0.4, 0.5])}, "m/synthetic_model.safetensors")
      json.dump({"num_features": 2, "hidden_dim": 2, "mean_firing_magnitudes": 1.0,
                 "std_firing_magnitudes": 2.0}, open("m/synthetic_model_config.json", "w"))
      json.dump({"roots": [{"feature_index": 0, "children": [{"feature_index": 1}]}]},
                open("m/hierarchy.json", "w"))
      print("ok")
      """)
    XCTAssertEqual(result.output, "ok\n")
    let c = try write("c.json", #"{"synthetic_model": "m", "sae": {"latents": 1}}"#)
    let s = try write("s.json", """
      {"features": ["f0", "f1"], "tied": false, "activation": "relu",
       "encoder": [[1, 1]], "encoder_bias": [0], "decoder": [[0.6, 0.8]], "decoder_bias": [0, 0]}
      """)
    let m = try saeLoss(c, s)
    XCTAssertEqual(m["true_l0"]!, 0.37220905157982853, accuracy: 0.008)
    var run = try landscape(["export-toy", c, "--out", "back"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let config = try XCTUnwrap(
      JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.appendingPathComponent("back/synthetic_model_config.json")))
        as? [String: Any])
    XCTAssertEqual(config["std_firing_magnitudes"] as? Double, 2)
    XCTAssertEqual(config["mean_firing_magnitudes"] as? Double, 1)
    let probabilities = try python(
      """
      from safetensors.numpy import load_file
      print(*load_file("back/synthetic_model.safetensors")["firing_probabilities"])
      """)
    let p = probabilities.output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    XCTAssertEqual(p.count, 2, probabilities.output)
    XCTAssertEqual(p.first ?? 0, 0.4, accuracy: 1e-7)
    XCTAssertEqual(p.last ?? 0, 0.5, accuracy: 1e-7)
    let back = try write("back.json", #"{"synthetic_model": "back", "sae": {"latents": 1}}"#)
    run = try landscape(["sae-loss", back, "--sae", s, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    // The same toy and the same draws: the same estimate, bit for bit.
    let again = try landscape(["sae-loss", c, "--sae", s, "--json"])
    XCTAssertEqual(run.stdout, again.stdout)
  }
}

/// `sae-loss --features`: an SAELens SAE in d = 3 dimensions on a 2-feature toy.
final class FeatureDirectionsCommandTests: CommandTestCase {
  func testAnSAEInMoreDimensionsIsReadThroughTheFeatures() throws {
    let c = try write("c.json", """
      {"features": ["parent", "child"], "patterns": [
        {"probability": 0.2, "fires": {"parent": 1}},
        {"probability": 0.05, "fires": {"parent": 1, "child": 1}}], "sae": {"latents": 2}}
      """)
    // v1 = (0.6, 0, 0.8), v2 = (0, 1, 0); the inputs x = m1 v1 + m2 v2 + bias, bias =
    // (0.1, -0.2, 0.3). The SAE: b_dec = bias + 0.5 v1 - 0.25 v2; decoder rows
    // 1 v1 + 0.5 v2 and -0.5 v1 + 1 v2 (in the span); encoder columns (1, 2, 0.5) and
    // (0, -1, 1). By hand in feature coordinates (x + bias - b_dec = V^T (m - c)): encoder
    // rows (0.6 + 0.4, 2) = (1, 2) and (0.8, -1), decoder rows (1, 0.5) and (-0.5, 1),
    // b_dec (0.5, -0.25), b_enc as written.
    let script = """
      import json, os, numpy as np
      from safetensors.numpy import save_file
      v = np.array([[0.6, 0, 0.8], [0, 1, 0]])
      bias = np.array([0.1, -0.2, 0.3])
      save_file({"feature_vectors": v, "bias": bias}, "features.safetensors")
      os.mkdir("sae")
      save_file({"W_enc": np.array([[1, 0], [2, -1], [0.5, 1]], dtype=np.float64),
                 "b_enc": np.array([0.1, -0.05]),
                 "W_dec": np.array([1 * v[0] + 0.5 * v[1], -0.5 * v[0] + 1 * v[1]]),
                 "b_dec": bias + 0.5 * v[0] - 0.25 * v[1]}, "sae/sae_weights.safetensors")
      json.dump({"architecture": "standard", "d_in": 3, "d_sae": 2, "dtype": "float64",
                 "apply_b_dec_to_input": True, "normalize_activations": "none"},
                open("sae/cfg.json", "w"))
      save_file({"feature_vectors": v, "bias": bias + np.array([0.3, 0, 0])}, "shifted.safetensors")
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    process.currentDirectoryURL = folder
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw XCTSkip("no numpy and safetensors") }
    let s = try write("s.json", """
      {"features": ["parent", "child"], "tied": false, "activation": "relu",
       "encoder": [[1, 2], [0.8, -1]], "encoder_bias": [0.1, -0.05],
       "decoder": [[1, 0.5], [-0.5, 1]], "decoder_bias": [0.5, -0.25]}
      """)
    func json(_ arguments: [String]) throws -> [String: Double] {
      let run = try landscape(["sae-loss", c, "--json"] + arguments)
      XCTAssertEqual(run.status, 0, run.stderr)
      return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        .compactMapValues { $0 as? Double }
    }
    let expected = try json(["--sae", s])
    let got = try json(["--sae", "sae/", "--features", "features.safetensors"])
    for (k, v) in expected { XCTAssertEqual(got[k]!, v, accuracy: 1e-12, k) }
    // Without the features: refused, naming the flag.
    var run = try landscape(["sae-loss", c, "--sae", "sae/"])
    XCTAssertTrue(run.stderr.contains("needs the features' directions (sae-loss --features)"), run.stderr)
    // The toy's bias moved by (0.3, 0, 0): the SAE's decoder bias, in the toy's frame, has
    // -(0.3, 0, 0) - its projection on v1 (-0.18 v1) = (-0.192, 0, 0.144) outside the span,
    // norm 0.24 (by hand): said on stderr.
    run = try landscape(["sae-loss", c, "--sae", "sae/", "--features", "shifted.safetensors"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let prefix = "landscape: note: the decoder bias has a part outside the features' span, of norm "
    XCTAssertTrue(run.stderr.hasPrefix(prefix), run.stderr)
    let norm = Double(run.stderr.dropFirst(prefix.count).prefix { $0 != " " })
    XCTAssertEqual(try XCTUnwrap(norm), 0.24, accuracy: 1e-12)
    run = try landscape(["sae-loss", c, "--sae", "sae/", "--features", "features.safetensors"])
    XCTAssertEqual(run.stderr, "")
  }
}
