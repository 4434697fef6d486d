import Foundation
import XCTest

/// `landscape study --slurm` without a cluster: --dry-run, a stand-in `sbatch` on PATH
/// that records its arguments, the errors, and `study status` while the array runs.
final class SlurmStudyCommandTests: CommandTestCase {
  let grid = [
    "--vary", "sae.latents=2:3:2", "--vary", "hierarchy.groups[0].parent_probability=0.2,0.4",
    "--seeds", "1,2",
  ]

  /// A folder whose name has a space and a single quote.
  var study: String { folder.appendingPathComponent("it's a study").path }

  /// A stand-in `sbatch` in `bin/`: appends its arguments to sbatch.log, prints job id 41,
  /// 42, ... (the second with `;cluster`, as --parsable may print it); or fails as sbatch does.
  func fakeSbatch(failing: Bool = false) throws -> [String: String] {
    let bin = folder.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let log = folder.appendingPathComponent("sbatch.log").path
    let script =
      failing
      ? "#!/bin/sh\necho 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2\necho 'sbatch: second line' >&2\nexit 1\n"
      : """
      #!/bin/sh
      echo "$*" >> '\(log)'
      n=$(wc -l < '\(log)')
      if [ "$n" = 1 ]; then echo 41; else echo "4$n;cluster"; fi

      """
    let path = bin.appendingPathComponent("sbatch").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))
    chmod(path, 0o755)
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = bin.path + ":/usr/bin:/bin"
    return environment
  }

  func sbatchCalls() -> [String] {
    ((try? String(contentsOf: folder.appendingPathComponent("sbatch.log"), encoding: .utf8)) ?? "")
      .split(separator: "\n").map(String.init)
  }

  func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let r = try runLandscape(arguments, in: folder, environment: environment)
    return (r.status, String(decoding: r.stdout, as: UTF8.self), r.stderr)
  }

  func exists(_ name: String) -> Bool {
    FileManager.default.fileExists(atPath: (study as NSString).appendingPathComponent(name))
  }

  func testDryRunWritesTheScriptsAndSubmitsNothing() throws {
    let c = try write("tiny.json", StudyCommandTests.caseText)
    let environment = try fakeSbatch()
    let r = try run(
      ["study", c] + grid + ["--out", study, "--slurm", "--tasks", "4", "--jobs", "2", "--dry-run"],
      environment: environment)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("dry run, nothing submitted"), r.stdout)
    XCTAssertEqual(sbatchCalls(), [])
    for name in ["study.json", "study.sbatch", "merge.sbatch", "slurm"] { XCTAssertTrue(exists(name), name) }
    for name in ["runs.csv", "latents.csv"] { XCTAssertFalse(exists(name), name) }
    let script = try String(contentsOfFile: study + "/study.sbatch", encoding: .utf8)
    XCTAssertTrue(script.contains("#SBATCH --array=1-4\n#SBATCH --cpus-per-task=2\n"), script)
    XCTAssertTrue(script.contains(" study '\(folder.path)/it'\\''s a study' --out "), script)
    // The binary's absolute path, whatever the working directory.
    XCTAssertTrue(script.contains("exec '/"), script)
    XCTAssertEqual(try run(["study", "status", study]).stdout, "tiny: 8 runs: 0 ok, 0 failed, 8 pending\n")
  }

  /// What an array task runs, by hand: its runs saved, no table written, status counts
  /// them; the task reads study.json, not the case file (removed here).
  func testStatusCountsTheRunsOfAStudyMidway() throws {
    let c = try write("tiny.json", StudyCommandTests.caseText)
    XCTAssertEqual(try run(["study", c] + grid + ["--out", study, "--slurm", "--tasks", "4", "--dry-run"]).status, 0)
    try FileManager.default.removeItem(atPath: c)
    let task = try run(["study", study, "--out", study, "--runs-only", "--shard", "2/4"])
    XCTAssertEqual(task.status, 0, task.stderr)
    XCTAssertEqual(task.stdout, "")
    for name in ["runs.csv", "latents.csv"] { XCTAssertFalse(exists(name), name) }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: study + "/runs").sorted(),
      ["i1-s1.json", "i1-s2.json"])
    XCTAssertEqual(try run(["study", "status", study]).stdout, "tiny: 8 runs: 2 ok, 0 failed, 6 pending\n")
    // A study folder's study takes no grid of its own.
    let grid = try run(["study", study, "--out", study, "--seeds", "3"])
    XCTAssertEqual(grid.status, 2, grid.stderr)
    XCTAssertTrue(grid.stderr.contains("--seeds"), grid.stderr)
  }

  /// The array, then the merge job after it; a resubmission submits only the tasks with a
  /// run to do; nothing when every run is saved.
  func testSubmitsTheArrayThenTheMergeJobAfterIt() throws {
    let c = try write("tiny.json", StudyCommandTests.caseText)
    let environment = try fakeSbatch()
    let arguments = ["study", c] + grid + ["--out", study, "--slurm", "--tasks", "4", "--sbatch", "-p long --time=10"]
    let r = try run(arguments, environment: environment)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      sbatchCalls(),
      ["--parsable \(study)/study.sbatch", "--parsable --dependency=afterany:41 \(study)/merge.sbatch"])
    XCTAssertTrue(r.stdout.contains("submitted array job 41 (tasks 1-4 of 4) and merge job 42 after it"), r.stdout)
    XCTAssertTrue(r.stdout.contains("landscape study status '\(folder.path)/it'\\''s a study'"), r.stdout)
    for script in ["study.sbatch", "merge.sbatch"] {
      XCTAssertTrue(
        try String(contentsOfFile: study + "/" + script, encoding: .utf8).contains("\n#SBATCH -p long --time=10\n"), script)
    }

    // Tasks 1 and 3 ran; the resubmission's array is 2 and 4.
    for shard in ["1/4", "3/4"] {
      XCTAssertEqual(try run(["study", study, "--out", study, "--runs-only", "--shard", shard]).status, 0)
    }
    try FileManager.default.removeItem(atPath: folder.appendingPathComponent("sbatch.log").path)
    let again = try run(arguments, environment: environment)
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertTrue(
      try String(contentsOfFile: study + "/study.sbatch", encoding: .utf8).contains("#SBATCH --array=2,4\n"))
    XCTAssertTrue(again.stdout.contains("(tasks 2,4 of 4)"), again.stdout)
    XCTAssertEqual(sbatchCalls().count, 2)

    for shard in ["2/4", "4/4"] {
      XCTAssertEqual(try run(["study", study, "--out", study, "--runs-only", "--shard", shard]).status, 0)
    }
    try FileManager.default.removeItem(atPath: folder.appendingPathComponent("sbatch.log").path)
    let done = try run(arguments, environment: environment)
    XCTAssertEqual(done.status, 0, done.stderr)
    XCTAssertTrue(done.stdout.contains("every run is saved: nothing to submit"), done.stdout)
    XCTAssertEqual(sbatchCalls(), [])
  }

  func testMissingSbatchSaysToUseDryRun() throws {
    let c = try write("tiny.json", StudyCommandTests.caseText)
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = folder.appendingPathComponent("nothing").path
    let r = try run(["study", c] + grid + ["--out", study, "--slurm"], environment: environment)
    XCTAssertEqual(r.status, 1)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("sbatch is not on PATH") && r.stderr.contains("--dry-run"), r.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: study))
  }

  func testSbatchFailureShowsSbatchsFirstLine() throws {
    let c = try write("tiny.json", StudyCommandTests.caseText)
    let r = try run(["study", c] + grid + ["--out", study, "--slurm"], environment: try fakeSbatch(failing: true))
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("Invalid partition name specified"), r.stderr)
    XCTAssertFalse(r.stderr.contains("second line"), r.stderr)
  }

  /// Usage errors (exit 2) before any file is written.
  func testBadTasksAndSbatchOptionsAreUsageErrors() throws {
    let c = try write("tiny.json", StudyCommandTests.caseText)
    for (extra, says) in [
      (["--slurm", "--tasks", "0"], "--tasks"), (["--slurm", "--tasks", "9"], "is not in 1...8"),
      (["--slurm", "--sbatch", "--array=1-2"], "sets --array"),
      (["--slurm", "--sbatch", "--time=1\n#SBATCH -p x"], "line break"),
      (["--tasks", "2"], "is for --slurm"), (["--dry-run"], "is for --slurm"),
      (["--slurm", "--shard", "1/2"], "--shard"), (["--slurm", "--runs-only"], "--runs-only"),
    ] {
      let r = try run(["study", c] + grid + ["--out", study, "--dry-run"].dropLast(extra.contains("--dry-run") ? 1 : 0) + extra)
      XCTAssertEqual(r.status, 2, "\(extra): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains(says), "\(extra): \(r.stderr)")
      XCTAssertFalse(FileManager.default.fileExists(atPath: study), "\(extra)")
    }
  }
}
