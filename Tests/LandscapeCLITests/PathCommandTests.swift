import Foundation
import XCTest

/// `landscape path` as a real process, against `sae-loss` of SAE files the test writes.
final class PathCommandTests: CommandTestCase {
  /// Three features (a parent with a child, and a lone feature), two untied relu latents,
  /// exact MSE with L1 0.01.
  let caseText = """
    {"name": "path-toy", "title": "Path toy", "features": ["a", "b", "c"],
     "patterns": [
       {"name": "a", "probability": 0.2, "fires": {"a": 1}},
       {"name": "ab", "probability": 0.1, "fires": {"a": 1, "b": 1}},
       {"name": "c", "probability": 0.15, "fires": {"c": 1.5}}],
     "sae": {"latents": 2, "tied": false, "activation": "relu"},
     "train": {"data": "exact", "loss": "mse", "l1": 0.01, "steps": 100, "lr": 0.01, "seed": 1}}
    """

  struct Weights {
    var encoder: [[Double]]
    var encoderBias: [Double]
    var decoder: [[Double]]
    var decoderBias: [Double]

    var json: String {
      func list(_ v: [Double]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
      func rows(_ m: [[Double]]) -> String { "[" + m.map(list).joined(separator: ", ") + "]" }
      return """
        {"features": ["a", "b", "c"], "tied": false, "activation": "relu", "top_k": null,
         "threshold": null, "matryoshka": null, "encoder": \(rows(encoder)),
         "encoder_bias": \(list(encoderBias)), "decoder": \(rows(decoder)),
         "decoder_bias": \(list(decoderBias))}
        """
    }
  }

  /// A: latents along a and along (b, c); B: the same two directions roughly, in the other
  /// order. |cos| by hand: A0 . B1 = 0.8, A1 . B0 = 0.6*0.8 + 0.8*0.6 = 0.96, A0 . B0 = 0,
  /// A1 . B1 = 0.36: the matching pairs A0 with B1 and A1 with B0.
  let a = Weights(
    encoder: [[0.9, 0.1, 0], [0, 0.5, 0.7]], encoderBias: [-0.05, -0.1],
    decoder: [[1, 0, 0], [0, 0.6, 0.8]], decoderBias: [0.01, 0.02, 0])
  let b = Weights(
    encoder: [[0.1, 0.7, 0.4], [0.7, 0.3, 0]], encoderBias: [0.02, -0.03],
    decoder: [[0, 0.8, 0.6], [0.8, 0.6, 0]], decoderBias: [0, 0, 0.05])

  func json(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// sae-loss's mse, l2 and sparsity of a file.
  func losses(_ casePath: String, _ file: String) throws -> (
    mse: Double, l2: Double, sparsity: Double
  ) {
    let o = try saeLoss(casePath, file)
    return (try XCTUnwrap(o["mse"]), try XCTUnwrap(o["l2"]), try XCTUnwrap(o["sparsity"]))
  }

  func testEndsAndAPointAreSAELossOfFiles() throws {
    let casePath = try write("case.json", caseText)
    let aPath = try write("a.json", a.json)
    let bPath = try write("b.json", b.json)
    let run = try landscape(["path", casePath, "--from", "a.json", "--to", "b.json", "--points", "5", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let report = try json(run.stdout)
    XCTAssertEqual(report["matching"] as? [[Int]], [[1, 0]])
    XCTAssertEqual(report["exact"] as? Bool, true)
    let points = try XCTUnwrap(report["points"] as? [[String: Double]])
    XCTAssertEqual(points.map { $0["t"]! }, [0, 0.25, 0.5, 0.75, 1])
    // The ends: sae-loss's numbers to the bit; the training loss mse + 0.01 sparsity (unit
    // decoder rows: the L1 term is 0.01 sum_i h_i |d_i| = 0.01 sparsity).
    for (point, file) in [(points[0], aPath), (points[4], bPath)] {
      let m = try losses(casePath, file)
      XCTAssertEqual(point["mse"], m.mse)
      XCTAssertEqual(point["l2"], m.l2)
      XCTAssertEqual(point["loss"]!, m.mse + 0.01 * m.sparsity, accuracy: 1e-14)
    }
    // t = 1/4, built here: B's latents in A's order (B1, B0), encoder and biases
    // 0.75 A + 0.25 B', each decoder row 0.75 a + 0.25 b' divided by its norm.
    let t = 0.25
    func mix(_ x: [Double], _ y: [Double]) -> [Double] { zip(x, y).map { (1 - t) * $0 + t * $1 } }
    func unit(_ r: [Double]) -> [Double] {
      var n = 0.0
      for v in r { n += v * v }
      n = n.squareRoot()
      return r.map { $0 / n }
    }
    let matched = Weights(
      encoder: [b.encoder[1], b.encoder[0]], encoderBias: [b.encoderBias[1], b.encoderBias[0]],
      decoder: [b.decoder[1], b.decoder[0]], decoderBias: b.decoderBias)
    let quarter = Weights(
      encoder: zip(a.encoder, matched.encoder).map(mix),
      encoderBias: mix(a.encoderBias, matched.encoderBias),
      decoder: zip(a.decoder, matched.decoder).map { unit(mix($0, $1)) },
      decoderBias: mix(a.decoderBias, matched.decoderBias))
    let m = try losses(casePath, try write("quarter.json", quarter.json))
    XCTAssertEqual(points[1]["mse"], m.mse)
    XCTAssertEqual(points[1]["l2"], m.l2)
    XCTAssertEqual(points[1]["loss"]!, m.mse + 0.01 * m.sparsity, accuracy: 1e-14)
    // The barrier is the highest loss minus the higher end's.
    let losses = points.map { $0["loss"]! }
    XCTAssertEqual(report["barrier"] as? Double, losses.max()! - max(losses[0], losses[4]))
  }

  /// A path from an SAE to itself with its latents swapped is flat: the matching undoes it.
  func testPathToAPermutedCopyIsFlat() throws {
    let casePath = try write("case.json", caseText)
    _ = try write("a.json", a.json)
    let swapped = Weights(
      encoder: a.encoder.reversed(), encoderBias: a.encoderBias.reversed(),
      decoder: a.decoder.reversed(), decoderBias: a.decoderBias)
    _ = try write("swapped.json", swapped.json)
    let run = try landscape(["path", casePath, "--from", "a.json", "--to", "swapped.json", "--points", "7", "--csv", "-"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let lines = run.stdout.split(separator: "\n")
    XCTAssertEqual(lines.first, "t,mse,l2,loss")
    XCTAssertEqual(lines.count, 8)
    let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    for row in rows {
      for column in 1...3 { XCTAssertEqual(row[column], rows[0][column], accuracy: 1e-14) }
    }
  }

  /// --via: an N x N table and a heat map; --plot draws a PNG; truth is accepted.
  func testSliceAndFigures() throws {
    let casePath = try write("case.json", caseText)
    _ = try write("a.json", a.json)
    _ = try write("b.json", b.json)
    let run = try landscape([
      "path", casePath, "--from", "a.json", "--to", "b.json", "--via", "truth", "--points", "3",
      "--csv", "slice.csv", "--plot", "slice.png",
    ])
    XCTAssertEqual(run.status, 0, run.stderr)
    let csv = try String(contentsOf: folder.appendingPathComponent("slice.csv"), encoding: .utf8)
    let lines = csv.split(separator: "\n")
    XCTAssertEqual(lines.first, "s,u,mse,l2,loss")
    XCTAssertEqual(lines.count, 10)
    XCTAssertTrue(lines[9].hasPrefix("1.0,1.0,"), String(lines[9]))
    let png = try Data(contentsOf: folder.appendingPathComponent("slice.png"))
    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    let line = try landscape(["path", casePath, "--from", "truth", "--to", "b.json", "--points", "3", "--plot", "line.png"])
    XCTAssertEqual(line.status, 0, line.stderr)
    XCTAssertTrue(line.stdout.contains("path from truth (t = 0) to b.json (t = 1)"), line.stdout)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("line.png").path))
  }

  /// Bad input: one line naming the flag, exit 2 for usage, no output file written.
  func testErrors() throws {
    let casePath = try write("case.json", caseText)
    _ = try write("a.json", a.json)
    _ = try write("one.json", Weights(encoder: [[1, 0, 0]], encoderBias: [0], decoder: [[1, 0, 0]], decoderBias: [0, 0, 0]).json)
    for (arguments, message) in [
      (["--points", "1"], "--points: 1 is not in 2...10001"),
      (["--points", "10002"], "--points: 10002 is not in 2...10001"),
      (["--via", "a.json", "--points", "202"], "--points: 202 is not in 2...201 (per axis with --via)"),
      (["--to", "one.json"], "--to: has 1 latents, the case 2: the SAEs of a path must have the case's shape"),
      (["--to", "missing.json"], "--to"),
    ] {
      var args = ["path", casePath, "--from", "a.json", "--to", "a.json", "--csv", "out.csv"]
      for i in stride(from: 0, to: arguments.count, by: 2) {
        if let j = args.firstIndex(of: arguments[i]) { args[j + 1] = arguments[i + 1] } else { args += [arguments[i], arguments[i + 1]] }
      }
      let run = try landscape(args)
      XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
      XCTAssertTrue(run.stderr.contains(message), "\(arguments): \(run.stderr)")
      XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
      XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.csv").path))
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let single = root.appendingPathComponent("cases/single-latent-toy.json").path
    let refused = try landscape(["path", single, "--from", "truth", "--to", "truth"])
    XCTAssertEqual(refused.status, 1)
    XCTAssertTrue(refused.stderr.contains("path needs an SAE case"), refused.stderr)
  }
}
