import Foundation
import XCTest

/// The absorption gap in `sae-loss --json` against an independent numpy computation over the
/// same patterns.
final class AbsorptionGapCommandTests: CommandTestCase {
  func testTheGapMatchesNumpy() throws {
    // parent > child > grandchild (a chain) and an independent feature: the direct edges are
    // (parent, child) and (child, grandchild), not (parent, grandchild).
    let c = try write("c.json", """
      {"features": ["parent", "child", "grand", "solo"], "patterns": [
        {"probability": 0.2, "fires": {"parent": 1}},
        {"probability": 0.1, "fires": {"parent": 1, "child": 1}},
        {"probability": 0.05, "fires": {"parent": 1, "child": 1, "grand": 1}},
        {"probability": 0.1, "fires": {"solo": 1}},
        {"probability": 0.05, "fires": {"parent": 1, "solo": 1}}], "sae": {"latents": 3}}
      """)
    let encoder = "[[1, -0.8, -0.5, 0.1], [0.2, 1, -0.6, 0], [0, 0.3, 1, -0.2]]"
    let encoderBias = "[-0.3, -0.5, -0.4]"
    let decoder = "[[0.9, 0.3, 0.1, 0.2], [0.3, 0.9, 0.2, 0], [0.1, 0.4, 0.9, 0]]"
    let s = try write("s.json", """
      {"features": ["parent", "child", "grand", "solo"], "tied": false, "activation": "relu",
       "encoder": \(encoder), "encoder_bias": \(encoderBias),
       "decoder": \(decoder), "decoder_bias": [0, 0, 0, 0]}
      """)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.currentDirectoryURL = folder
    let pipe = Pipe()
    process.standardOutput = pipe
    process.arguments = [
      "python3", "-c",
      """
      import json, numpy as np
      E, b, D = np.array(\(encoder)), np.array(\(encoderBias)), np.array(\(decoder))
      pats = [(0.2, [0]), (0.1, [0, 1]), (0.05, [0, 1, 2]), (0.1, [3]), (0.05, [0, 3]), (0.5, [])]
      out = []
      for p, c in [(0, 1), (1, 2)]:
          cos = np.abs(D[:, p]) / np.linalg.norm(D, axis=1)
          l = int(np.argmax(cos))
          num = {True: 0.0, False: 0.0}; den = {True: 0.0, False: 0.0}
          for w, on in pats:
              if p not in on: continue
              x = np.zeros(4); x[on] = 1
              h = np.maximum(E @ x + b, 0)
              den[c in on] += w; num[c in on] += w * (h[l] > 0)
          a, z = num[False] / den[False], num[True] / den[True]
          out.append({"parent": p, "child": c, "latent": l, "gap": a - z})
      print(json.dumps(out))
      """,
    ]
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw XCTSkip("no numpy") }
    let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    let run = try landscape(["sae-loss", c, "--sae", s, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let gaps = try XCTUnwrap(report["absorption_gaps"] as? [[String: Any]])
    XCTAssertEqual(gaps.count, 2)
    var sum = 0.0
    for (got, want) in zip(gaps, expected) {
      for key in ["parent", "child", "latent"] {
        XCTAssertEqual(got[key] as? Int, want[key] as? Int, key)
      }
      let g = try XCTUnwrap(want["gap"] as? Double)
      XCTAssertEqual(try XCTUnwrap(got["gap"] as? Double), g, accuracy: 1e-15)
      sum += g
    }
    // A gap that can fail: the numbers are not all zero.
    XCTAssertTrue(expected.contains { ($0["gap"] as? Double ?? 0) != 0 }, "\(expected)")
    XCTAssertEqual(try XCTUnwrap(report["absorption_gap"] as? Double), sum / 2, accuracy: 1e-15)
  }
}
