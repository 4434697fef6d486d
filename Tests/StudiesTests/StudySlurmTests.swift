import Foundation
@testable import Studies
import ToyModels
import XCTest

/// A study as a Slurm job array: the scripts' text (written out by hand below), the array
/// list, the slices, the checks of --sbatch and of the paths.
final class StudySlurmTests: XCTestCase {
  /// A folder with a space and a single quote in its name, a binary with a space.
  let slurm = StudySlurm(
    folder: "/shared/my study's/out", binary: "/opt/land scape/landscape", tasks: 4, jobs: 2,
    samples: 5000, extra: ["--partition=long", "--time=1:00:00"])

  func testArrayScriptQuotesThePathsForTheShellAndForSbatch() {
    let expected = #"""
      #!/bin/sh
      # landscape study my case: 10 runs in 4 array tasks; task I runs slice I/4 and saves its runs only.
      # Written by `landscape study --slurm`, which also submits merge.sbatch after it.
      #SBATCH --job-name=landscape-my_case
      #SBATCH --array=1,3-4
      #SBATCH --cpus-per-task=2
      #SBATCH --output="/shared/my study's/out/slurm/task-%A_%a.out"
      #SBATCH --partition=long --time=1:00:00
      exec '/opt/land scape/landscape' study '/shared/my study'\''s/out' --out '/shared/my study'\''s/out' --runs-only --shard "$SLURM_ARRAY_TASK_ID/4" --jobs 2 --samples 5000

      """#
    XCTAssertEqual(slurm.arrayScript(caseName: "my case", runs: 10, array: [4, 1, 3]), expected)
  }

  func testMergeScriptRunsStudyMergeOnTheFolder() {
    var plain = slurm
    plain.extra = []
    let expected = #"""
      #!/bin/sh
      # landscape study tiny: the tables (runs.csv, latents.csv) from the saved runs.
      # Written by `landscape study --slurm`, submitted with --dependency=afterany:<the array's job id>.
      #SBATCH --job-name=landscape-tiny-merge
      #SBATCH --cpus-per-task=1
      #SBATCH --output="/shared/my study's/out/slurm/merge-%j.out"
      exec '/opt/land scape/landscape' study merge '/shared/my study'\''s/out'

      """#
    XCTAssertEqual(plain.mergeScript(caseName: "tiny"), expected)
  }

  /// The shell reads a quoted word back as the text: sh -c 'printf %s <word>'.
  func testShellQuotedReadsBackInTheShell() throws {
    for text in ["plain", "a b", "it's", "'", "''x'", "$HOME `x` \"q\" \\ ;"] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", "printf %s \(StudySlurm.shellQuoted(text))"]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      XCTAssertEqual(String(decoding: data, as: UTF8.self), text)
    }
  }

  func testArraySpecJoinsConsecutiveTasks() {
    XCTAssertEqual(StudySlurm.arraySpec([1, 2, 3, 4]), "1-4")
    XCTAssertEqual(StudySlurm.arraySpec([3]), "3")
    XCTAssertEqual(StudySlurm.arraySpec([5, 1, 2, 7, 8, 9]), "1-2,5,7-9")
  }

  /// 10 runs in 4 slices: [0, 2), [2, 5), [5, 7), [7, 10) (10 i / 4 rounded down).
  func testSlicesCoverTheRunsOnce() {
    XCTAssertEqual((1...4).map { Study.shard($0, of: 4, runs: 10) }, [0..<2, 2..<5, 5..<7, 7..<10])
    XCTAssertEqual(Study.shard(1, of: 1, runs: 8), 0..<8)
  }

  func testSbatchOptionsAreChecked() throws {
    XCTAssertEqual(
      try StudySlurm.options(parsing: " --partition=long  -t 10"), ["--partition=long", "-t", "10"])
  }

  func testBadSbatchOptionsAreUsageErrors() {
    for (text, reason) in [
      ("", "is empty"), ("--array=1-3", "sets --array"), ("-c4", "sets -c"),
      ("--dependency=afterok:1", "sets --dependency"), ("--time=1\n#SBATCH -p x", "line break"),
      ("partition=long", "does not start with an option"), ("-p x -c 2", "sets -c"),
    ] {
      XCTAssertThrowsError(try StudySlurm.options(parsing: text), text) { error in
        let e = error as? FieldError
        XCTAssertEqual(e?.kind, .usage, text)
        XCTAssertEqual(e?.field, "--sbatch", text)
        XCTAssertTrue("\(error)".contains(reason), "\(text): \(error)")
      }
    }
  }

  func testPathsSbatchCannotHoldAreRefused() {
    for path in ["/a\"b", "/a%b", "/a\\b", "/a\nb"] {
      XCTAssertThrowsError(try StudySlurm.checkPath(path, flag: "--out"), path)
    }
    XCTAssertNoThrow(try StudySlurm.checkPath("/a b/it's", flag: "--out"))
  }

  func testAbsolutePathsAreNormalised() {
    XCTAssertEqual(StudySlurm.absolute("/a/./b/../c"), "/a/c")
    XCTAssertTrue(StudySlurm.absolute("x").hasPrefix("/"))
    XCTAssertTrue(StudySlurm.currentExecutable().hasPrefix("/"))
  }
}
