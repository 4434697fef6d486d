import CaseFiles
import Foundation
import Landscape
import Reports
import SparseAutoencoders
@testable import Studies
import ToyModels
import XCTest

/// Studies: the grid, the runs' order and keys, the tables from saved runs whatever the
/// jobs or the shards, and failed runs recorded.
final class StudyTests: XCTestCase {
  var folder: String!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("StudyTests-\(UUID().uuidString)").path
  }

  override func tearDownWithError() throws {
    if let folder { try? FileManager.default.removeItem(atPath: folder) }
  }

  /// A hierarchy (parent p, exclusive children a, b) trained exactly for a few steps.
  static let caseText = """
    {"name": "tiny",
     "features": ["p", "a", "b"],
     "hierarchy": {"groups": [{"parent": "p", "parent_probability": 0.4,
                               "children": ["a", "b"], "child_probability": [0.25, 0.5]}]},
     "sae": {"latents": 2},
     "train": {"data": "exact", "loss": "mse", "l1": 0.01, "steps": 20, "lr": 0.01}}
    """

  func study(_ latents: String = "2,3", seeds: [UInt64] = [1, 2]) throws -> Study {
    Study(
      caseJSON: Data(Self.caseText.utf8), caseName: "tiny",
      axes: [
        try Study.Axis(parsing: "sae.latents=\(latents)"),
        try Study.Axis(parsing: "hierarchy.groups[0].parent_probability=0.2:0.4:2"),
      ], seeds: seeds)
  }

  /// The tables without the last column (seconds: each run's own wall time).
  func timeless(_ csv: String) -> String {
    csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
      .joined(separator: "\n")
  }

  /// A grid A:B:N is the decimals as written: 0:0.4:9 by hand is 0, 0.05, ..., 0.4 (never
  /// 0.15000000000000002), 2:10:9 the whole numbers, 0:1:4 thirds as the nearest Doubles.
  func testGridIsDecimal() throws {
    XCTAssertEqual(
      try Study.Axis(parsing: "x=0:0.4:9").values,
      ["0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.35", "0.4"])
    XCTAssertEqual(try Study.Axis(parsing: "x=2:10:9").values, (2...10).map { "\($0)" })
    XCTAssertEqual(
      try Study.Axis(parsing: "x=0:1:4").values, ["0", "\(1.0 / 3)", "\(2.0 / 3)", "1"])
    XCTAssertEqual(try Study.Axis(parsing: "x=mse, l2").values, ["mse", "l2"])
    XCTAssertEqual(SweepAxis(name: "p", from: 0, to: 0.4, count: 9).values[3], 0.15)
    for bad in ["x", "x=0:1:0", "x=a:1:3", "x=1,,2", "..=1"] {
      XCTAssertThrowsError(try Study.Axis(parsing: bad), bad) {
        XCTAssertEqual(($0 as? FieldError)?.kind, .usage, bad)
      }
    }
  }

  /// Runs go in grid order, the first axis slowest and the seed fastest, keyed i<point>-s<seed>,
  /// each with the axes' overrides and then train.seed.
  func testRunsOrderAndKeys() throws {
    let runs = try study().runs
    XCTAssertEqual(
      runs.map(\.key), ["i0-s1", "i0-s2", "i1-s1", "i1-s2", "i2-s1", "i2-s2", "i3-s1", "i3-s2"])
    XCTAssertEqual(runs[5].values, ["3", "0.2"])
    XCTAssertEqual(
      runs[5].overrides.map(\.description),
      ["sae.latents=3", "hierarchy.groups[0].parent_probability=0.2", "train.seed=2"])
  }

  /// The same study with one job, with two, and as two shards merged: the same tables
  /// (seconds aside), and a run's row is what training its case directly reports.
  func testTablesDoNotDependOnJobsOrShards() throws {
    let s = try study()
    let one = folder + "/one", two = folder + "/two", a = folder + "/a", b = folder + "/b"
    try s.run(in: one, jobs: 1)
    try s.run(in: two, jobs: 2)
    try s.run(in: a, selection: 0..<3)
    try s.run(in: b, selection: 3..<8)
    let tables = s.tables(Study.saved(in: [one]))
    let parallel = s.tables(Study.saved(in: [two]))
    let merged = s.tables(Study.saved(in: [a, b]))
    XCTAssertEqual(timeless(tables.runs), timeless(parallel.runs))
    XCTAssertEqual(timeless(tables.runs), timeless(merged.runs))
    XCTAssertEqual(tables.latents, parallel.latents)
    XCTAssertEqual(tables.latents, merged.latents)
    XCTAssertEqual(tables.runs.split(separator: "\n").count, 9)
    XCTAssertEqual(tables.latents.split(separator: "\n").count, 1 + 4 * 2 + 4 * 3)

    // Run i3-s2: 3 latents, parent probability 0.4, seed 2, trained directly.
    guard
      case .sae(let c) = try CaseDocument(
        json: Data(
          Self.caseText.replacingOccurrences(of: "\"latents\": 2", with: "\"latents\": 3")
            .replacingOccurrences(of: "\"lr\": 0.01", with: "\"lr\": 0.01, \"seed\": 2").utf8))
    else { return XCTFail("not an SAE case") }
    let report = try SAECaseTraining(saeCase: c, plan: c.plan).run().report.report
    let row = try XCTUnwrap(tables.runs.split(separator: "\n").last).split(separator: ",", omittingEmptySubsequences: false)
    XCTAssertEqual(row[0 ..< 6].joined(separator: ","), "i3-s2,3,0.4,2,ok,")
    XCTAssertEqual(Double(row[6]), report.metrics.mse)
    XCTAssertEqual(Double(row[7]), report.metrics.l2)
    XCTAssertEqual(Double(row[8]), report.metrics.l0)
    // Three latents: the median is the middle value, the max the largest.
    let masses = report.decoderLatents.map(\.hedgingMass).sorted()
    XCTAssertEqual(Double(row[10]), masses[1])
    XCTAssertEqual(Double(row[11]), masses[2])
  }

  /// A rerun skips the saved runs (their files are not rewritten); a saved run whose
  /// overrides differ is run again.
  func testRerunSkipsSavedRuns() throws {
    let s = try study(seeds: [1])
    try s.run(in: folder)
    let path = folder + "/runs/i0-s1.json"
    // The saved run: its overrides and train --json's whole report.
    let saved = try JSONDecoder().decode(Study.Outcome.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    XCTAssertEqual(saved.overrides["train.seed"], .integer(1))
    XCTAssertEqual(saved.overrides["sae.latents"], .integer(2))
    guard case .object(let report) = saved.report else { return XCTFail("no report") }
    XCTAssertNotNil(report["decoder_cos"])
    XCTAssertNotNil(report["training"])
    let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
    let count = Counter()
    try s.run(in: folder, finished: { _ in count.add() })
    XCTAssertEqual(count.value, 0)
    XCTAssertEqual(
      try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date, before)
    // The same keys, other values: every run again.
    try study("4,5", seeds: [1]).run(in: folder, finished: { _ in count.add() })
    XCTAssertEqual(count.value, 4)
  }

  /// A grid point whose value the case refuses is a failed row with its error; the others
  /// finish.
  func testFailedRunIsRecorded() throws {
    let s = try study("0,2", seeds: [1])
    let failures = Counter()
    try s.run(in: folder, finished: { if $0.error != nil { failures.add() } })
    XCTAssertEqual(failures.value, 2)
    let rows = s.tables(Study.saved(in: [folder])).runs.split(separator: "\n")
    XCTAssertEqual(rows.count, 5)
    XCTAssertTrue(
      rows[1].hasPrefix("i0-s1,0,0.2,1,failed,sae.latents: 0 is not a whole number in 1...10000,,"),
      String(rows[1]))
    XCTAssertTrue(rows[3].hasPrefix("i2-s1,2,0.2,1,ok,,"), String(rows[3]))
  }

  /// The hedging statistics by hand: masses 0.1, 0.4 (even count): mean 0.25, median 0.25,
  /// max 0.4; a cell with a comma is quoted; a missing number is empty.
  func testStatisticsAndCells() throws {
    XCTAssertEqual(Study.median([0.4, 0.1]), 0.25)
    XCTAssertEqual(Study.median([0.3, 0.1, 0.2]), 0.2)
    XCTAssertEqual(Study.mean([0.1, 0.4]), 0.25)
    XCTAssertNil(Study.median([]))
    XCTAssertEqual(Study.row(["a,b", "say \"x\"", Study.number(nil), Study.number(-0.0)]), "\"a,b\",\"say \"\"x\"\"\",,0.0\n")
  }

  /// A single-latent case is refused with a clear message; an unknown varied field is a
  /// usage error before any run.
  func testCheck() throws {
    let latent = Study(
      caseJSON: Data(#"{"features": ["a", "b"], "patterns": [{"probability": 1, "fires": {"a": 1}}]}"#.utf8),
      caseName: "one", axes: [try Study.Axis(parsing: "patterns[0].probability=0.5,1")], seeds: [1])
    XCTAssertThrowsError(try latent.check()) {
      XCTAssertTrue("\($0)".contains("a study runs SAE cases"), "\($0)")
    }
    var s = try study()
    s.axes.append(try Study.Axis(parsing: "sae.latentz=1,2"))
    XCTAssertThrowsError(try s.check()) { XCTAssertEqual(($0 as? FieldError)?.kind, .usage) }
    // The seed is the seeds' to set.
    s.axes[2] = try Study.Axis(parsing: "train.seed=1,2")
    XCTAssertThrowsError(try s.check()) {
      XCTAssertEqual("\($0)", "--vary: train.seed is each run's seed: give the seeds as --seeds")
    }
  }
}

extension Counter {
  func add() { set(value + 1) }
}

/// A case file's study block: its grid, plots and expectations read and checked; an
/// expectation's value is its statistic over the runs at its grid point.
final class StudyBlockTests: XCTestCase {
  func block(_ study: String) throws -> StudyBlock? {
    try StudyBlock(caseJSON: Data(#"{"features": ["a"], "study": \#(study)}"#.utf8))
  }

  func testBlockIsRead() throws {
    XCTAssertNil(try StudyBlock(caseJSON: Data(#"{"features": ["a"]}"#.utf8)))
    let b = try XCTUnwrap(
      try block(
        #"""
        {"vary": {"train.l1": "0,0.5", "sae.latents": "2:3:2"}, "seeds": [4, 5],
         "plot": [{"x": "sae.latents", "y": "mse", "hue": "train.l1"},
                  {"name": "heat", "x": "sae.latents", "y": "train.l1", "color": "l0", "title": ""}],
         "expect": [{"quantity": "mse", "at": {"train.l1": 0.5}, "statistic": "max", "max": 1,
                     "why": "small"}]}
        """#))
    XCTAssertEqual(b.axes.map(\.field.description), ["sae.latents", "train.l1"])
    XCTAssertEqual(b.axes[0].values, ["2", "3"])
    XCTAssertEqual(b.seeds, [4, 5])
    XCTAssertEqual(b.plots.map { $0.fileName(caseName: "c") }, ["c", "c-heat"])
    XCTAssertEqual(b.plots[1].color, "l0")
    XCTAssertEqual(b.plots[1].title, "")
    XCTAssertEqual(b.expectations[0].at, [.init(field: "train.l1", value: 0.5)])
    XCTAssertEqual(b.expectations[0].statistic, .max)
    XCTAssertEqual(b.expectations[0].why, "small")
  }

  func testBadBlocksNameTheField() {
    let cases: [(String, String)] = [
      (#"{"vary": {"train.l1": "0,1"}, "plot": {"x": "train.l2", "y": "mse"}}"#, "study.plot[0].x"),
      (#"{"vary": {"train.l1": "0,1"}, "plot": {"y": "mse"}}"#, "study.plot[0].x"),
      (#"{"vary": {"train.l1": "0,1"}, "plot": {"x": "train.l1", "y": "seed", "hue": "seed", "color": "l0"}}"#, "study.plot[0].hue"),
      (#"{"vary": {"train.l1": "0,1"}, "plot": [{"x": "train.l1", "y": "mse"}, {"x": "train.l1", "y": "l0"}]}"#, "study.plot[1].name"),
      (#"{"vary": {"train.l1": "0,1"}, "plot": {"name": "a/b", "x": "train.l1", "y": "mse"}}"#, "study.plot[0].name"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": [{"quantity": "mse", "at": {"train.l1": 0.5}, "min": 0}]}"#, "study.expect[0].at.train.l1"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": [{"quantity": "mse", "at": {"sae.latents": 2}, "min": 0}]}"#, "study.expect[0].at.sae.latents"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": [{"quantity": "run", "min": 0}]}"#, "study.expect[0].quantity"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": [{"quantity": "mse"}]}"#, "study.expect[0].min"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": [{"quantity": "mse", "min": 2, "max": 1}]}"#, "study.expect[0].min"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": [{"quantity": "mse", "min": 0, "statistic": "mode"}]}"#, "study.expect[0].statistic"),
      (#"{"vary": {"train.l1": "0,1"}, "expect": {"quantity": "mse", "min": 0}}"#, "study.expect"),
      (#"{"vary": {"train.l1": "0,1"}, "seeds": [true]}"#, "study.seeds[0]"),
      (#"{"vary": {"train.l1": "0,1"}, "plots": []}"#, "study.plots"),
    ]
    for (text, field) in cases {
      XCTAssertThrowsError(try block(text), text) { error in
        XCTAssertEqual((error as? FieldError)?.field, field, "\(text): \(error)")
      }
    }
  }

  /// Four runs at two grid points, one failed: by hand, mse at l1 = 0 is (0.5 + 0.25) / 2 =
  /// 0.375 (mean), 0.5 (max); at l1 = 1 only the finished run's 2 counts.
  func testExpectationIsTheStatisticOfTheRunsAtItsPoint() throws {
    let table = try StudyTable(
      csv: """
        run,train.l1,seed,status,error,mse
        i0-s1,0,1,ok,,0.5
        i0-s2,0,2,ok,,0.25
        i1-s1,1,1,failed,diverged,
        i1-s2,1,2,ok,,2
        """)
    func check(_ at: Double?, _ statistic: HedgingStatistic, min: Double? = nil, max: Double? = nil)
      -> SAEReport.Check
    {
      StudyBlock.Expectation(
        quantity: "mse", at: at.map { [.init(field: "train.l1", value: $0)] } ?? [],
        statistic: statistic, min: min, max: max, why: nil
      ).check(table)
    }
    XCTAssertEqual(check(0, .mean, min: 0.375).value, 0.375)
    XCTAssertTrue(check(0, .mean, min: 0.375).holds)
    XCTAssertFalse(check(0, .mean, max: 0.3).holds)
    XCTAssertEqual(check(0, .max, max: 1).value, 0.5)
    XCTAssertEqual(check(1, .mean, min: 0).value, 2)
    XCTAssertEqual(check(1, .mean, min: 0).quantity, "mse at train.l1=1 (mean of 1 run)")
    XCTAssertEqual(check(nil, .median, min: 0).value, 0.5)
  }
}
