import Foundation
import XCTest

/// `landscape study`: a row is `train --set ... --json`'s, the tables do not depend on
/// --jobs, shards or an interruption, failures are recorded, the CSV reads back in Python.
final class StudyCommandTests: CommandTestCase {
  /// A hierarchy SAE trained exactly for a few steps.
  static let caseText = """
    {"name": "tiny",
     "features": ["p", "a", "b"],
     "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.4,
                               "children": ["a", "b"], "child_probability": [0.25, 0.5]}]},
     "sae": {"latents": 2},
     "train": {"data": "exact", "loss": "mse", "l1": 0.01, "steps": 20, "lr": 0.01}}
    """

  /// The 2x2x2 study: latents 2 and 3, parent probability 0.2 and 0.4, seeds 1 and 2.
  let grid = [
    "--vary", "sae.latents=2:3:2", "--vary", "hierarchy.groups[0].parent_probability=0.2,0.4",
    "--seeds", "1,2",
  ]

  func text(_ path: String) throws -> String {
    try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
  }

  /// A table without its last column (seconds differ between executions).
  func timeless(_ csv: String) -> String {
    csv.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
    }.joined(separator: "\n")
  }

  func testStudyEqualsTrainRunsWhateverJobsOrShards() throws {
    let c = try write("tiny.json", Self.caseText)
    for (out, extra) in [("one", ["--jobs", "1"]), ("two", ["--jobs", "2"]), ("s1", ["--shard", "1/2"]), ("s2", ["--shard", "2/2"])] {
      let r = try landscape(["study", c] + grid + extra + ["--out", out])
      XCTAssertEqual(r.status, 0, r.stderr)
    }
    let merge = try landscape(["study", "merge", "s1", "s2", "--out", "merged"])
    XCTAssertEqual(merge.status, 0, merge.stderr)
    let runs = try text("one/runs.csv")
    XCTAssertEqual(timeless(runs), timeless(try text("two/runs.csv")))
    XCTAssertEqual(try text("one/latents.csv"), try text("two/latents.csv"))
    XCTAssertEqual(timeless(runs), timeless(try text("merged/runs.csv")))
    XCTAssertEqual(try text("one/latents.csv"), try text("merged/latents.csv"))
    // merge of the same folder rewrites it byte for byte.
    XCTAssertEqual(try landscape(["study", "merge", "merged"]).status, 0)
    XCTAssertEqual(try text("one/latents.csv"), try text("merged/latents.csv"))
    XCTAssertEqual(try landscape(["study", "status", "s1"]).stdout, "tiny: 8 runs: 4 ok, 0 failed, 4 pending\n")

    // Each row is train --set ... --json's report, bit for bit.
    let rows = runs.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    XCTAssertEqual(rows.count, 8)
    for row in rows {
      let t = try landscape([
        "train", c, "--set", "sae.latents=\(row[1])",
        "--set", "hierarchy.groups[0].parent_probability=\(row[2])", "--set", "train.seed=\(row[3])", "--json",
      ])
      XCTAssertEqual(t.status, 0, t.stderr)
      // JSONDecoder: JSONSerialization on Linux reads some 17-digit numbers one ulp off.
      let report = try JSONDecoder().decode(TrainReport.self, from: Data(t.stdout.utf8))
      XCTAssertEqual(Double(row[6]), report.metrics.mse, row[0])
      XCTAssertEqual(Double(row[7]), report.metrics.l2, row[0])
      XCTAssertEqual(Double(row[8]), report.metrics.l0, row[0])
      XCTAssertEqual(report.overrides.count, 3)
      let max = report.decoder_latents.map(\.hedging_mass).max()
      XCTAssertEqual(Double(row[11]), max, row[0])
    }
  }

  /// The parts of `train --json` the rows repeat.
  struct TrainReport: Decodable {
    struct Metrics: Decodable { var mse, l2, l0: Double }
    struct Latent: Decodable { var hedging_mass: Double }
    var metrics: Metrics
    var decoder_latents: [Latent]
    var overrides: [String: Double]
  }

  /// A real SIGINT to a real study mid-way, then a rerun: the tables of an uninterrupted run.
  func testInterruptedStudyResumes() throws {
    let c = try write("tiny.json", Self.caseText.replacingOccurrences(of: "\"steps\": 20", with: "\"steps\": 3000"))
    let seeds = ["--seeds", "1,2,3,4"]
    let whole = try landscape(["study", c] + grid.dropLast(2) + seeds + ["--out", "whole"])
    XCTAssertEqual(whole.status, 0, whole.stderr)

    let process = Process()
    process.executableURL = LandscapeCLITests.binary
    process.arguments = ["study", c] + grid.dropLast(2) + seeds + ["--out", "cut"]
    process.currentDirectoryURL = folder
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    let runs = folder.appendingPathComponent("cut/runs").path
    let deadline = Date().addingTimeInterval(60)
    while process.isRunning && Date() < deadline
      && ((try? FileManager.default.contentsOfDirectory(atPath: runs))?.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count ?? 0) < 2
    {
      usleep(2_000)
    }
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    let saved = try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix(".json") }.count
    XCTAssertEqual(process.terminationStatus, 130)
    XCTAssertLessThan(saved, 16, "the study finished before the interrupt")
    let rerun = try landscape(["study", c] + grid.dropLast(2) + seeds + ["--out", "cut"])
    XCTAssertEqual(rerun.status, 0, rerun.stderr)
    XCTAssertEqual(timeless(try text("whole/runs.csv")), timeless(try text("cut/runs.csv")))
    XCTAssertEqual(try text("whole/latents.csv"), try text("cut/latents.csv"))
  }

  /// A grid point the case refuses is a failed row; the others finish; exit status 1.
  func testFailedGridPointIsRecorded() throws {
    let c = try write("tiny.json", Self.caseText)
    let r = try landscape(["study", c, "--vary", "sae.latents=0,2", "--out", "f"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("1 of 2 runs failed"), r.stderr)
    let rows = try text("f/runs.csv").split(separator: "\n")
    XCTAssertTrue(rows[1].hasPrefix("i0-s1,0,1,failed,sae.latents: 0 is not a whole number in 1...10000,,"), String(rows[1]))
    XCTAssertTrue(rows[2].hasPrefix("i1-s1,2,1,ok,,"), String(rows[2]))
    // An unknown field is a usage error before any run.
    let bad = try landscape(["study", c, "--vary", "sae.latentz=1,2", "--out", "g"])
    XCTAssertEqual(bad.status, 2)
    XCTAssertTrue(bad.stderr.contains("did you mean 'latents'"), bad.stderr)
  }

  /// Python's csv module reads the documented columns; numbers parse as floats, seeds and
  /// latents as integers, empty cells only where documented.
  func testCSVReadsBackInPython() throws {
    let c = try write("tiny.json", Self.caseText)
    XCTAssertEqual(try landscape(["study", c, "--vary", "sae.latents=0,2", "--out", "p"]).status, 1)
    // The same run alone: its report's SAELens metrics are what the tables carry.
    let single = try landscape(["train", c, "--set", "sae.latents=2", "--json"])
    XCTAssertEqual(single.status, 0, single.stderr)
    try Data(single.stdout.utf8).write(to: folder.appendingPathComponent("single.json"))
    let script = """
      import csv, json, sys
      runs = list(csv.DictReader(open("p/runs.csv", newline="")))
      synthetic = ["mcc", "uniqueness", "explained_variance", "shrinkage", "dead_latents", "true_l0",
        "precision", "recall", "f1", "accuracy", "absorption_gap"]
      assert list(runs[0].keys()) == (["run", "sae.latents", "seed", "status", "error", "mse", "l2", "l0",
        "decoder_hedging_mass_mean", "decoder_hedging_mass_median", "decoder_hedging_mass_max",
        "encoder_hedging_mass_mean", "encoder_hedging_mass_median", "encoder_hedging_mass_max"]
        + synthetic + ["seconds"]), list(runs[0].keys())
      single = json.load(open("single.json"))
      for k in synthetic: assert float(runs[1][k]) == single["metrics"][k], k
      assert [r["status"] for r in runs] == ["failed", "ok"]
      assert all(runs[0][k] == "" for k in ["mse", "l2", "l0", "seconds"])
      ok = runs[1]
      for k in list(ok.keys())[5:]: float(ok[k])
      assert int(ok["seed"]) == 1 and int(ok["sae.latents"]) == 2 and ok["error"] == ""
      latents = list(csv.DictReader(open("p/latents.csv", newline="")))
      assert list(latents[0].keys()) == ["run", "sae.latents", "seed", "latent", "decoder_feature",
        "decoder_cos", "decoder_off_target", "decoder_hedging_mass", "encoder_feature", "encoder_cos",
        "encoder_off_target", "encoder_hedging_mass", "precision", "recall", "f1", "accuracy"], list(latents[0].keys())
      for r, l in zip(latents, single["decoder_latents"]):
        for k in ["precision", "recall", "f1", "accuracy"]: assert float(r[k]) == l[k], (k, r[k], l[k])
      assert [(r["run"], int(r["latent"])) for r in latents] == [("i1-s1", 0), ("i1-s1", 1)]
      for r in latents:
        assert r["decoder_feature"] in ("p", "a", "b") and r["encoder_feature"] in ("p", "a", "b")
        for k in ["decoder_cos", "decoder_off_target", "decoder_hedging_mass", "encoder_cos", "encoder_off_target", "encoder_hedging_mass", "precision", "recall", "f1", "accuracy"]:
          float(r[k])
      print("ok")
      """
    let py = Process()
    py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    py.arguments = ["python3", "-c", script]
    py.currentDirectoryURL = folder
    let pipe = Pipe()
    py.standardOutput = pipe
    py.standardError = pipe
    do { try py.run() } catch { throw XCTSkip("python3 is not available") }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    py.waitUntilExit()
    XCTAssertEqual(output, "ok\n")
  }

  /// `study --plot` draws the figure from the tables it wrote; the figure's options without
  /// --plot, or --plot without --x, are usage errors.
  func testStudyPlotsItsTable() throws {
    let c = try write("tiny.json", Self.caseText)
    let r = try landscape(
      ["study", c, "--vary", "sae.latents=2,3", "--seeds", "1,2", "--out", "s", "--plot", "s.svg",
       "--x", "sae.latents", "--y", "mse", "--hue", "seed"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(try text("s.svg").contains("<svg"))
    let noPlot = try landscape(["study", c, "--vary", "sae.latents=2,3", "--out", "t", "--x", "sae.latents"])
    XCTAssertEqual(noPlot.status, 2)
    XCTAssertTrue(noPlot.stderr.contains("give --plot FILE"), noPlot.stderr)
    let noX = try landscape(["study", c, "--vary", "sae.latents=2,3", "--out", "t", "--plot", "t.png", "--y", "mse"])
    XCTAssertEqual(noX.status, 2)
    XCTAssertTrue(noX.stderr.contains("--x is required with --plot"), noX.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("t").path))
    // A column the table does not have: no figure, the tables are written.
    let badY = try landscape(
      ["study", c, "--vary", "sae.latents=2,3", "--out", "u", "--plot", "u.png", "--x", "sae.latents", "--y", "msee"])
    XCTAssertEqual(badY.status, 2, badY.stderr)
    XCTAssertTrue(badY.stderr.contains("--y: msee is not a column"), badY.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("u.png").path))
  }

  /// A study block's plots are what `reproduce` draws for the case (not its one trained
  /// SAE); its expectations are what `validate` checks, each the mean over the seeds of the
  /// runs table's column at its grid point, as `study` writes the table.
  func testStudyBlockIsDrawnAndChecked() throws {
    let block = """
      , "study": {"vary": {"sae.latents": "2,3"}, "seeds": [1, 2],
        "plot": [{"x": "sae.latents", "y": "mse", "hue": "seed"},
                 {"name": "heat", "x": "sae.latents", "y": "seed", "color": "l0"}],
        "expect": [{"quantity": "mse", "at": {"sae.latents": 3}, "min": 0, "max": 1},
                   {"quantity": "l0", "at": {"sae.latents": 2}, "min": 1000}]}}
      """
    let text = String(Self.caseText.dropLast()) + block
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("cases"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("figs"), withIntermediateDirectories: true)
    let c = try write("cases/tiny.json", text)
    let r = try landscape(["reproduce", "--cases", "cases", "--out", "figs", "--phase-points", "3"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let figures = try FileManager.default.contentsOfDirectory(
      atPath: folder.appendingPathComponent("figs").path
    ).sorted()
    XCTAssertEqual(figures, ["phase-hierarchy.png", "tiny-heat.png", "tiny.png"])
    XCTAssertTrue(r.stdout.contains("study: 4 runs, 0 failed"), r.stdout)
    // The expectations' values, from the study's own table: mse at 3 latents and l0 at 2,
    // each the mean of its two seeds' rows.
    XCTAssertEqual(try landscape(["study", c, "--out", "s"]).status, 0)
    let rows = try self.text("s/runs.csv").split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    let header = rows[0]
    func mean(_ column: String, latents: String) -> Double {
      let (l, q) = (header.firstIndex(of: "sae.latents")!, header.firstIndex(of: column)!)
      let values = rows.dropFirst().filter { $0[l] == latents }.map { Double($0[q])! }
      XCTAssertEqual(values.count, 2)
      return values.reduce(0, +) / 2
    }
    let v = try landscape(["validate", c])
    XCTAssertEqual(v.status, 1, v.stderr)
    let lines = v.stdout.split(separator: "\n").map(String.init)
    let mse = try XCTUnwrap(lines.first { $0.contains("mse at sae.latents=3 (mean of 2 runs)") })
    XCTAssertTrue(mse.contains(" pass"), mse)
    // The value is the column after the quantity's "(mean of 2 runs)", to 4 decimals.
    func value(_ line: String) -> Double? {
      let words = line.split(separator: " ").map(String.init)
      return words.firstIndex(of: "runs)").flatMap { Double(words[$0 + 1]) }
    }
    XCTAssertEqual(try XCTUnwrap(value(mse)), mean("mse", latents: "3"), accuracy: 5e-5)
    let l0 = try XCTUnwrap(lines.first { $0.contains("l0 at sae.latents=2 (mean of 2 runs)") })
    XCTAssertTrue(l0.hasSuffix("FAIL"), l0)
    XCTAssertEqual(try XCTUnwrap(value(l0)), mean("l0", latents: "2"), accuracy: 5e-5)
    // A bad block is the case file's error, naming the field.
    let bad = try write("bad.json", text.replacingOccurrences(of: #""y": "mse""#, with: #""y": "msee""#))
    let e = try landscape(["validate", bad])
    XCTAssertNotEqual(e.status, 0)
    XCTAssertTrue(e.stderr.contains("study.plot[0].y: \"msee\" is not a column of runs.csv"), e.stderr)
  }
}
