import Foundation
import XCTest

/// `sae-loss`, `train` on SAE cases and `validate` of their expectations, end to end.
final class SAECommandTests: CommandTestCase {
  private func metrics(_ caseFile: String, _ sae: String) throws -> [String: Any] {
    let run = try landscape(["sae-loss", caseFile, "--sae", sae, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    return try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
  }

  private func assertMetrics(
    _ m: [String: Any], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    for (key, value) in zip(["mse", "l2", "sparsity", "l0"], expected) {
      let got = try XCTUnwrap(m[key] as? Double, key, file: file, line: line)
      XCTAssertEqual(got, value, accuracy: 1e-12 * max(1, abs(value)), key, file: file, line: line)
    }
    XCTAssertEqual(m["exact"] as? Bool, true, file: file, line: line)
  }

  // The expected numbers below come from a throwaway numpy script that enumerated each toy
  // itself and applied the SAE file's definition (a = W_enc (x - b_dec) + b_enc, h, xhat).

  func testSAELossOnExplicitPatternsMatchesNumpy() throws {
    let c = try write(
      "a.json",
      """
      {"features": ["parent", "child"], "patterns": [
        {"name": "p0", "probability": 0.2, "fires": {"parent": 1}},
        {"name": "p01", "probability": 0.05, "fires": {"parent": 1, "child": 1}},
        {"name": "p1", "probability": 0.075, "fires": {"child": 1}}],
       "sae": {"latents": 1}}
      """)
    let s = try write(
      "a-sae.json",
      """
      {"features": ["parent", "child"], "tied": false, "activation": "relu",
       "decoder": [[0.9, 0.3]], "decoder_bias": [0.05, -0.02],
       "encoder": [[0.8, 0.25]], "encoder_bias": [-0.1]}
      """)
    let m = try metrics(c, s)
    try assertMetrics(m, [0.1363085625, 0.2278974443621805, 0.187375, 0.325])
    // SAELens's synthetic metrics (evals.py's definitions, the same numpy script over the
    // four patterns): the latent detects the parent, firing also on the child alone.
    let expected: [(String, Double)] = [
      ("mcc", 0.9486832980505139), ("explained_variance", 0.5408553684210526),
      ("shrinkage", 0.5486384299495007), ("true_l0", 0.375), ("uniqueness", 1),
      ("precision", 0.7692307692307692), ("recall", 1), ("f1", 0.8695652173913043),
      ("accuracy", 0.925), ("dead_latents", 0),
    ]
    for (key, value) in expected {
      XCTAssertEqual(try XCTUnwrap(m[key] as? Double, key), value, accuracy: 1e-14, key)
    }
  }

  func testSAELossOnAHierarchyWithTopKMatchesNumpy() throws {
    let c = try write(
      "b.json",
      """
      {"features": ["f0", "f1", "f2", "f3"],
       "hierarchy": {"groups": [{"parent": "f0", "parent_probability": 0.3,
                                 "children": ["f1", "f2"], "child_probability": [0.2, 0.3]}],
                     "independent": [{"feature": "f3", "probability": 0.4}]},
       "sae": {"latents": 3, "activation": "topk", "top_k": 1}}
      """)
    let s = try write(
      "b-sae.json",
      """
      {"features": ["f0", "f1", "f2", "f3"], "tied": false, "activation": "topk", "top_k": 1,
       "decoder": [[0.7, 0.5, 0.1, 0.0], [0.0, 0.1, 0.2, 0.97], [0.3, -0.2, 0.9, 0.1]],
       "decoder_bias": [0.01, 0.02, -0.03, 0.0],
       "encoder": [[0.6, 0.4, 0.2, -0.1], [0.1, 0.0, 0.1, 0.9], [0.2, -0.1, 0.8, 0.3]],
       "encoder_bias": [0.0, -0.05, 0.02]}
      """)
    try assertMetrics(
      try metrics(c, s), [0.24305578583040005, 0.33137144540517177, 0.5307599999999999, 1.0])
  }

  func testSAELossOnAParentThatFiresOnlyWithChildrenMatchesNumpy() throws {
    // The parent fires iff one of three independent children (0.1 each) fires.
    let c = try write(
      "c.json",
      """
      {"features": ["parent", "c1", "c2", "c3"],
       "hierarchy": {"groups": [{"parent": "parent", "parent_probability": 0.271,
                                 "children": ["c1", "c2", "c3"], "child_probability": 0.1,
                                 "children_exclusive": false, "parent_fires_alone": false}]},
       "sae": {"latents": 2, "tied": true}}
      """)
    let s = try write(
      "c-sae.json",
      """
      {"features": ["parent", "c1", "c2", "c3"], "tied": true, "activation": "relu",
       "decoder": [[0.8, 0.35, 0.35, 0.35], [0.0, 0.6, -0.4, 0.2]],
       "decoder_bias": [0.02, 0.0, 0.01, -0.01], "encoder_bias": [-0.2, 0.05]}
      """)
    try assertMetrics(
      try metrics(c, s),
      [0.16209809064000003, 0.2352349671780411, 0.3884240000000001, 1.1810000000000003])
  }

  func testTrainSavesAnSAEThatSAELossReadsBackWithTheSameLosses() throws {
    let c = try write(
      "indep.json",
      """
      {"features": ["parent", "child"],
       "hierarchy": {"independent": [{"feature": "parent", "probability": 0.25},
                                     {"feature": "child", "probability": 0.2}]},
       "sae": {"latents": 1, "init": "features"},
       "train": {"data": "exact", "steps": 3000, "lr": 0.01},
       "expect": [{"quantity": "decoder_bias", "feature": "child", "min": 0.18, "max": 0.22}]}
      """)
    let saved = folder.appendingPathComponent("trained.json").path
    let run = try landscape(["train", c, "--save", saved, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let report = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    // MSE: the latent takes the parent, the decoder bias the child's mean 0.2, so the loss
    // left is the child's variance 0.2 * 0.8.
    let bias = try XCTUnwrap(report["decoder_bias"] as? [Double])
    XCTAssertEqual(bias[1], 0.2, accuracy: 1e-3)
    let m = try XCTUnwrap(report["metrics"] as? [String: Any])
    XCTAssertEqual(try XCTUnwrap(m["mse"] as? Double), 0.16, accuracy: 1e-4)
    let cos = try XCTUnwrap(report["decoder_cos"] as? [[Double]])
    XCTAssertEqual(cos[0][0], 1, accuracy: 1e-4)
    let back = try metrics(c, saved)
    XCTAssertEqual(back["mse"] as? Double, m["mse"] as? Double)
    XCTAssertEqual(back["l0"] as? Double, m["l0"] as? Double)
    // The synthetic metrics too, and each decoder latent's detector numbers beside it.
    for key in ["mcc", "explained_variance", "shrinkage", "precision", "recall", "f1"] {
      XCTAssertEqual(back[key] as? Double, m[key] as? Double, key)
    }
    let latent = try XCTUnwrap((report["decoder_latents"] as? [[String: Any]])?.first)
    XCTAssertEqual(latent["precision"] as? Double, m["precision"] as? Double)
    XCTAssertNil((report["encoder_latents"] as? [[String: Any]])?.first?["precision"])
    // Same seed, same bits.
    let again = try landscape(["train", c, "--json"])
    XCTAssertEqual(
      (try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?[
        "decoder_cos"] as? [[Double]], cos)
    // Continuing from the saved SAE: one Adam step of 1e-12 moves each weight by about
    // 1e-12, so the loss stays where it was (a fresh start at the features would not: 0.2).
    let resumed = try landscape([
      "train", c, "--init-from", saved, "--steps", "1", "--lr", "1e-12", "--json",
    ])
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    let r = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
    XCTAssertEqual(
      try XCTUnwrap((r?["metrics"] as? [String: Any])?["mse"] as? Double),
      try XCTUnwrap(m["mse"] as? Double), accuracy: 1e-9)
    XCTAssertEqual(try landscape(["validate", c]).status, 0)
  }

  func testSingleLatentFlagsAreRefusedOnAnSAECaseAndSAEFlagsOnAPathCase() throws {
    let c = try write(
      "s.json",
      """
      {"features": ["a", "b"], "hierarchy": {"independent": [{"feature": "a", "probability": 0.3}]},
       "sae": {"latents": 1}}
      """)
    let init0 = try landscape(["train", c, "--init", "0.5"])
    XCTAssertEqual(init0.status, 2)
    XCTAssertTrue(init0.stderr.contains("--init: does not apply to an SAE case"), init0.stderr)
    let save = try landscape(["train", "--p0", "0.2", "--p01", "0.05", "--save", "x.json"])
    XCTAssertEqual(save.status, 2)
    XCTAssertTrue(save.stderr.contains("--save: applies to SAE cases only"), save.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.json").path))
    let minima = try landscape(["minima", c])
    XCTAssertEqual(minima.status, 1)
    XCTAssertTrue(minima.stderr.contains("sae: describes an SAE with many latents"), minima.stderr)
  }

  func testBadSAECaseFieldsAreNamed() throws {
    let cases: [(String, String)] = [
      (#""sae": {"latents": 0}"#, "sae.latents: 0 is not a whole number in 1...10000"),
      (#""sae": {"latents": 2, "activation": "topk"}"#, "sae.top_k: is required by topk"),
      (#""sae": {"latents": 2, "matryoshka": [2, 1]}"#, "sae.matryoshka"),
      (#""sae": {"latents": 1}, "train": {"data": "often"}"#, "train.data: \"often\" is not one of"),
      (#""sae": {"latents": 1}, "expect": [{"quantity": "joy", "min": 0}]"#, "expect[0].quantity"),
    ]
    for (block, message) in cases {
      let c = try write(
        "bad.json",
        """
        {"features": ["a", "b"], "hierarchy": {"independent": [{"feature": "a", "probability": 0.3}]},
         \(block)}
        """)
      let run = try landscape(["train", c])
      XCTAssertEqual(run.status, 1, block)
      XCTAssertTrue(run.stderr.contains(message), "\(block): \(run.stderr)")
      XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
    }
    let correlated = try write(
      "corr.json",
      """
      {"features": ["a", "b"], "correlated": {"probabilities": 0.2, "correlation": {"matrix": [[1, 0.3], [0.3, 1]]}},
       "sae": {"latents": 1}, "train": {"data": "exact"}}
      """)
    let run = try landscape(["train", correlated])
    XCTAssertTrue(run.stderr.contains("train.data: \"exact\" needs an enumerable toy"), run.stderr)
  }

  /// Issue 21 item 17: one rule for a case's snap step past a new --steps, in train and
  /// ensemble as in grow and single-latent train: refused, naming the case's train.snap_at;
  /// with --snap-at inside the steps it trains.
  func testStepsBelowTheCasesSnapStepAreRefused() throws {
    let c = try write(
      "snap.json",
      """
      {"features": ["parent", "child"],
       "hierarchy": {"independent": [{"feature": "parent", "probability": 0.25},
                                     {"feature": "child", "probability": 0.2}]},
       "sae": {"latents": 1, "init": "features"},
       "train": {"data": "exact", "loss": "snap", "steps": 100, "snap_at": 80},
       "ensemble": {"method": "bagging", "members": 2}}
      """)
    for command in ["train", "ensemble"] {
      let run = try landscape([command, c, "--steps", "10"])
      XCTAssertEqual(run.status, 1, "\(command): \(run.stderr)")
      XCTAssertTrue(
        run.stderr.contains("train.snap_at: 80 is not in 0...10 (the steps)"),
        "\(command): \(run.stderr)")
    }
    let fine = try landscape(["train", c, "--steps", "10", "--snap-at", "5", "--json"])
    XCTAssertEqual(fine.status, 0, fine.stderr)
    XCTAssertTrue(fine.stdout.contains("\"snap_at\":5"), fine.stdout)
  }
}
