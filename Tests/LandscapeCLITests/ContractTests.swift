import Foundation
import XCTest

/// The command line's outputs that other tools read: exact values derived by hand.
final class ContractTests: XCTestCase {
  private func landscape(_ arguments: [String]) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let run = try runLandscape(arguments, in: FileManager.default.temporaryDirectory)
    return (run.status, String(decoding: run.stdout, as: UTF8.self), run.stderr)
  }

  func testMinimaJSONOfTheIssueExample() throws {
    let run = try landscape(["minima", "--p0", "0.3", "--p01", "0.1", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let mse = try XCTUnwrap((json["mse"] as? [String: Any])?["minima"] as? [[String: Any]])
    let l2 = try XCTUnwrap((json["l2"] as? [String: Any])?["minima"] as? [[String: Any]])
    // The root of 0.3 t^2 - 0.5 t + 0.1 = 0 in [0, 1/2]; MSE(t*) = p0 t*.
    let t = (0.5 - 0.13.squareRoot()) / 0.6
    XCTAssertEqual(mse.count, 1)
    XCTAssertEqual(try XCTUnwrap(mse[0]["t"] as? Double), t, accuracy: 1e-10)
    XCTAssertEqual(try XCTUnwrap(mse[0]["loss"] as? Double), 0.3 * t, accuracy: 1e-12 * 0.3 * t)
    XCTAssertEqual(mse[0]["global"] as? Bool, true)
    XCTAssertEqual(mse[0]["kind"] as? String, "stationary")
    XCTAssertEqual(l2.count, 1)
    XCTAssertEqual(l2[0]["t"] as? Double, 0)
    XCTAssertEqual(try XCTUnwrap(l2[0]["loss"] as? Double), 0.1, accuracy: 1e-13)
    // The parent's cusp at the range's start: both facts (issue 21 item 23).
    XCTAssertEqual(l2[0]["kind"] as? String, "cusp at end")
    // The sphere optimum: tan(2 theta) = 2 p01 / p0.
    let latent = try XCTUnwrap((json["sphere"] as? [String: Any])?["latent"] as? [String: Double])
    let theta = 0.5 * atan2(0.2, 0.3)
    XCTAssertEqual(try XCTUnwrap(latent["parent"]), cos(theta), accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(latent["child"]), sin(theta), accuracy: 1e-12)
  }

  func testCurveCSVMatchesTheClosedForm() throws {
    let run = try landscape(["curve", "--p0", "0.3", "--p01", "0.1", "--points", "5"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let lines = run.stdout.split(separator: "\n")
    XCTAssertEqual(lines.first, "t,mse,l2")
    XCTAssertEqual(lines.count, 6)
    for (i, line) in lines.dropFirst().enumerated() {
      let v = line.split(separator: ",").map { Double($0)! }
      let t = Double(i) / 4
      let d = 2 * t * t - 2 * t + 1
      XCTAssertEqual(v[0], t)
      XCTAssertEqual(v[1], (0.3 * t * t + 0.1 * (1 - 2 * t) * (1 - 2 * t)) / d, accuracy: 1e-15)
      XCTAssertEqual(v[2], (0.3 * t + 0.1 * abs(1 - 2 * t)) / d.squareRoot(), accuracy: 1e-15)
    }
  }

  func testMinimaAndCurveReportTheOptimalBias() throws {
    // Independent features (0.2, 0.05, child alone 0.15): mu = (0.25, 0.2). At the
    // parent l = (1, 0): the MSE-optimal bias is P_perp mu = (0, 0.2) with beta =
    // min(0, min_j s_j) = 0; the L2-optimal one is the weighted median of the child
    // components (0 with weight 0.8 of 1), so 0.
    let args = ["--p0", "0.2", "--p01", "0.05", "--p1", "0.15", "--bias", "optimal"]
    let curve = try landscape(["curve"] + args + ["--points", "3", "--bias-columns"])
    XCTAssertEqual(curve.status, 0, curve.stderr)
    let lines = curve.stdout.split(separator: "\n")
    XCTAssertEqual(
      lines.first, "t,mse,l2,mse_bias_parent,mse_bias_child,l2_bias_parent,l2_bias_child")
    let first = lines[1].split(separator: ",").map { Double($0)! }
    XCTAssertEqual(first[0], 0)
    XCTAssertEqual(first[1], 0.16, accuracy: 1e-15)  // Var(child) = 0.2 * 0.8
    XCTAssertEqual(first[2], 0.2, accuracy: 1e-15)  // E|child component| = 0.2
    XCTAssertEqual(Array(first[3...]), [0, 0.2, 0, 0])
    let minima = try landscape(["minima"] + args + ["--json"])
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(minima.stdout.utf8)) as? [String: Any])
    let mse = try XCTUnwrap((json["mse"] as? [String: Any])?["minima"] as? [[String: Any]])
    XCTAssertEqual(mse[0]["t"] as? Double, 0)
    let bias = try XCTUnwrap(mse[0]["bias"] as? [String: Double])
    XCTAssertEqual(try XCTUnwrap(bias["child"]), 0.2, accuracy: 1e-15)
    XCTAssertEqual(try XCTUnwrap(bias["parent"]), 0, accuracy: 1e-15)
    // A fixed bias on the command line; a feature it does not know is a usage error.
    let fixed = try landscape(["minima", "--p0", "0.2", "--p01", "0.05", "--bias", "child=0.1"])
    XCTAssertEqual(fixed.status, 0, fixed.stderr)
    XCTAssertTrue(fixed.stdout.contains("decoder bias (parent 0, child 0.1)"), fixed.stdout)
    let bad = try landscape(["minima", "--p0", "0.2", "--p01", "0.05", "--bias", "uncle=0.1"])
    XCTAssertEqual(bad.status, 2, bad.stderr)
    XCTAssertTrue(bad.stderr.hasPrefix("landscape: --bias: uncle"), bad.stderr)
  }

  func testSweepCSVColumnsAndRegimes() throws {
    let run = try landscape(["sweep", "--p0", "0.2", "--p01", "0.05:0.25:5", "--jobs", "2"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let lines = run.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(
      lines.first,
      "p01,mse_t,mse_loss,l2_t,l2_loss,l2_minima,parent_l2_local,merged_l2_local,hedging")
    XCTAssertEqual(lines.count, 6)
    // p0 = 0.2: the merged solution is an L2 minimum iff p01 > 0.1, the parent iff p01 < 0.2.
    let expected = [
      (0.05, "true", "false"), (0.1, "true", "false"), (0.15, "true", "true"),
      (0.2, "false", "true"), (0.25, "false", "true"),
    ]
    for (line, (p01, parent, merged)) in zip(lines.dropFirst(), expected) {
      let f = line.split(separator: ",").map(String.init)
      XCTAssertEqual(Double(f[0])!, p01, accuracy: 1e-15)
      let t = 2 * p01 / ((0.2 + 2 * p01) + (0.04 + 4 * p01 * p01).squareRoot())
      XCTAssertEqual(Double(f[1])!, t, accuracy: 1e-14)
      XCTAssertEqual(Double(f[8])!, t / (1 - t), accuracy: 1e-13)
      XCTAssertEqual(f[6], parent, line)
      XCTAssertEqual(f[7], merged, line)
    }
  }

  func testSymbolicPrintsTheHierarchysQuadraticAndRegimes() throws {
    let run = try landscape(["symbolic", "--p0", "0.3", "--p01", "0.1"])
    XCTAssertEqual(run.status, 0, run.stderr)
    for expected in [
      "p0 t^2 - (p0 + 2 p01) t + p01 = 0", "local minimum iff p01 < p0",
      "local minimum iff p01 > p0/2",
      "L2(0) < L2(1/2) iff p01 < p0/sqrt(2)",
    ] {
      XCTAssertTrue(run.stdout.contains(expected), "missing \(expected) in\n\(run.stdout)")
    }
  }
}

/// `landscape reproduce` renders one figure per case plus the phase diagram and overlay.
final class ReproduceTests: XCTestCase {
  func testReproduceRendersEveryCase() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent(
      "reproduce-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: out) }
    let cases = out.appendingPathComponent("cases")
    try LandscapeCLITests.copyQuickCases(to: cases)
    let run = try runLandscape(
      ["reproduce", "--cases", cases.path, "--out", out.path, "--phase-points", "21"], in: out,
      timeout: 300)
    XCTAssertEqual(run.status, 0, run.stderr)
    let names = try FileManager.default.contentsOfDirectory(atPath: cases.path)
      .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
    XCTAssertGreaterThan(names.count, 10)
    XCTAssertTrue(names.contains { $0.hasPrefix("sae-") }, "no SAE case was rendered")
    for name in names + ["phase-hierarchy", "overlay-l1"] {
      let data = try Data(contentsOf: out.appendingPathComponent("\(name).png"))
      // The PNG signature, then IHDR's width and height (big-endian) at bytes 16 and 20.
      XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name)
      let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
      let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
      // An SAE's cosine figure widens to print its cells; its height is the default's.
      if !name.hasPrefix("sae-") { XCTAssertEqual(width, 1200, name) }
      XCTAssertEqual(height, 800, name)
    }
    // The summary names every case with its minima.
    let summary = String(decoding: run.stdout, as: UTF8.self)
    for name in names { XCTAssertTrue(summary.contains(name), name) }
  }
}

/// The figures `train --plot` and `sweep --plot` draw.
final class FigureCommandTests: XCTestCase {
  /// A fresh folder, removed after the test.
  private func scratch() throws -> URL {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent(
      "figures-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: out) }
    return out
  }

  /// Width and height from a PNG's IHDR.
  private func pngSize(_ data: Data) -> [Int] {
    [data[16..<20].reduce(0) { $0 << 8 | Int($1) }, data[20..<24].reduce(0) { $0 << 8 | Int($1) }]
  }

  func testTrainPlotsItsTrajectoryOverTheLandscape() throws {
    let out = try scratch()
    let run = try runLandscape(
      [
        "train", LandscapeCLITests.cases.appendingPathComponent("train-snap-merges.json").path,
        "--plot", "run.png", "--size", "column",
      ], in: out)
    XCTAssertEqual(run.status, 0, run.stderr)
    let data = try Data(contentsOf: out.appendingPathComponent("run.png"))
    XCTAssertEqual(pngSize(data), [975, 660])
    let bad = try runLandscape(
      ["train", "--p0", "0.3", "--p01", "0.1", "--plot", "x.gif"], in: out)
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("x.gif").path))
  }

  func testSweepPlotsOneAxisAndListsAsLineCharts() throws {
    let out = try scratch()
    for arguments in [
      ["--p0", "0.1,0.2,0.3", "--p01", "0:0.4:81"], ["--p0", "0.2", "--p01", "0:0.4:81"],
    ] {
      let run = try runLandscape(
        ["sweep"] + arguments + ["--plot", "t.png", "--csv", "t.csv"], in: out)
      XCTAssertEqual(run.status, 0, run.stderr)
      let data = try Data(contentsOf: out.appendingPathComponent("t.png"))
      XCTAssertEqual(pngSize(data), [1200, 800])
      let csv = try String(contentsOf: out.appendingPathComponent("t.csv"), encoding: .utf8)
      XCTAssertEqual(csv.split(separator: "\n").count, 1 + 81 * (arguments[1].count > 3 ? 3 : 1))
    }
  }

  func testPhaseDiagramAsSVGStaysSmall() throws {
    let out = try scratch()
    let run = try runLandscape(
      [
        "sweep", "--p0", "0:0.5:401", "--p01", "0:0.5:401", "--plot", "phase.svg", "--size",
        "1200x800", "--discard",
      ], in: out, timeout: 120)
    XCTAssertEqual(run.status, 0, run.stderr)
    let size =
      try FileManager.default.attributesOfItem(
        atPath: out.appendingPathComponent("phase.svg").path)[.size] as! Int
    XCTAssertLessThan(size, 5_000_000)
  }
}
