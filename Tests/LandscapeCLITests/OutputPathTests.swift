import Foundation
import XCTest

/// Issue 12: output paths that are not regular files, signals, standard output errors,
/// usage errors, and the options checked before any work.
final class OutputPathTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    guard LandscapeCLITests.binary != nil else { throw XCTSkip("the binary is not built") }
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "landscape-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if let folder { try? FileManager.default.removeItem(at: folder) }
  }

  func run(_ arguments: [String], timeout: Double = 60) throws -> Run {
    try runLandscape(arguments, in: folder, timeout: timeout)
  }

  func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  func contents(_ name: String) -> String {
    String(decoding: FileManager.default.contents(atPath: path(name)) ?? Data(), as: UTF8.self)
  }

  /// What is in the folder besides the runner's own files.
  func listing() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { !$0.hasPrefix(".stdout-") && !$0.hasPrefix(".stderr-") }.sorted()
  }

  let curve = ["curve", "--p0", "0.3", "--p01", "0.1", "--points", "3"]
  let expected = "t,mse,l2\n0.0,0.1,0.1\n"

  /// Item 1: a symlink is followed; its target is replaced atomically, the link stays.
  func testSymlinkIsFollowed() throws {
    XCTAssertTrue(
      FileManager.default.createFile(atPath: path("real.csv"), contents: Data("old\n".utf8)))
    XCTAssertEqual(symlink("real.csv", path("link.csv")), 0)
    let r = try run(curve + ["--csv", "link.csv"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      try FileManager.default.destinationOfSymbolicLink(atPath: path("link.csv")), "real.csv")
    XCTAssertTrue(contents("real.csv").hasPrefix(expected))
    XCTAssertEqual(try listing(), ["link.csv", "real.csv"])
  }

  /// Issue 21 item 12: an output that is an input of the same command (the same file, by its
  /// name, through a link, or as --flag=PATH) is refused before any work, exit 2, and the
  /// input is left as it was; an existing output named once is still replaced.
  func testAnOutputThatIsAnInputIsRefused() throws {
    let source = try String(
      contentsOf: LandscapeCLITests.cases.appendingPathComponent("train-mse-hedges.json"),
      encoding: .utf8)
    XCTAssertTrue(FileManager.default.createFile(atPath: path("case.json"), contents: Data(source.utf8)))
    XCTAssertEqual(symlink("case.json", path("link.json")), 0)
    for arguments in [
      ["train", "case.json", "--steps", "5", "--trajectory", "case.json"],
      ["train", "case.json", "--steps", "5", "--trajectory", "link.json"],
      ["train", "case.json", "--steps", "5", "--trajectory=./case.json"],
      ["curve", "link.json", "--csv", "case.json"],
    ] {
      let r = try run(arguments)
      XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains("is also an input of this command"), r.stderr)
      XCTAssertEqual(contents("case.json"), source, "\(arguments)")
    }
    XCTAssertTrue(FileManager.default.createFile(atPath: path("old.csv"), contents: Data("x\n".utf8)))
    let r = try run(curve + ["--csv", "old.csv"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(contents("old.csv").hasPrefix(expected))
  }

  /// Item 1: a dangling symlink creates its target.
  func testDanglingSymlinkCreatesTarget() throws {
    XCTAssertEqual(symlink("new.csv", path("link.csv")), 0)
    let r = try run(curve + ["--csv", "link.csv"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(contents("new.csv").hasPrefix(expected))
  }

  /// Item 1: figures follow the same rules: a symlinked --plot writes its target (the
  /// link stays) and a FIFO receives the PNG as a stream.
  func testFigureFollowsSymlinksAndStreamsToFIFOs() throws {
    XCTAssertEqual(symlink("real.png", path("link.png")), 0)
    let r = try run(curve + ["--plot", "link.png", "--size", "200x150"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      try FileManager.default.destinationOfSymbolicLink(atPath: path("link.png")), "real.png")
    let png = FileManager.default.contents(atPath: path("real.png")) ?? Data()
    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    XCTAssertEqual(mkfifo(path("pipe.png"), 0o644), 0)
    let reader = Process()
    reader.executableURL = URL(fileURLWithPath: "/bin/sh")
    reader.arguments = ["-c", "exec cat pipe.png > read.png"]
    reader.currentDirectoryURL = folder
    try reader.run()
    let streamed = try run(curve + ["--plot", "pipe.png", "--size", "200x150"])
    XCTAssertEqual(streamed.status, 0, streamed.stderr)
    let deadline = Date().addingTimeInterval(10)
    while reader.isRunning && Date() < deadline { usleep(10_000) }
    if reader.isRunning {
      reader.terminate()
      reader.waitUntilExit()
    }
    var info = stat()
    XCTAssertEqual(lstat(path("pipe.png"), &info), 0)
    XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
    XCTAssertEqual(FileManager.default.contents(atPath: path("read.png")), png)
  }

  /// Item 1: a FIFO is written as a stream and stays a FIFO.
  func testFIFOIsStreamed() throws {
    XCTAssertEqual(mkfifo(path("pipe"), 0o644), 0)
    let reader = Process()
    reader.executableURL = URL(fileURLWithPath: "/bin/sh")
    reader.arguments = ["-c", "exec cat pipe > read.txt"]
    reader.currentDirectoryURL = folder
    try reader.run()
    let r = try run(curve + ["--csv", "pipe"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let deadline = Date().addingTimeInterval(10)
    while reader.isRunning && Date() < deadline { usleep(10_000) }
    if reader.isRunning {
      reader.terminate()  // the FIFO was replaced, so nothing will ever reach the reader
      reader.waitUntilExit()
    }
    XCTAssertTrue(contents("read.txt").hasPrefix(expected))
    var info = stat()
    XCTAssertEqual(lstat(path("pipe"), &info), 0)
    XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
  }

  /// Item 1: a private character device (/dev/null's numbers, 1:3) is written in place and
  /// never replaced; a private /dev/full (1:7) gives one line naming the flag, exit 1.
  func testCharacterDevicesAreStreamed() throws {
    XCTAssertEqual(mknod(path("null"), S_IFCHR | 0o666, dev_t(1 << 8 | 3)), 0, "mknod needs root")
    XCTAssertEqual(mknod(path("full"), S_IFCHR | 0o666, dev_t(1 << 8 | 7)), 0)
    let r = try run(curve + ["--csv", "null"])
    XCTAssertEqual(r.status, 0, r.stderr)
    var info = stat()
    XCTAssertEqual(lstat(path("null"), &info), 0)
    XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR)
    let full = try run(curve + ["--csv", "full"])
    XCTAssertEqual(full.status, 1)
    XCTAssertTrue(full.stderr.contains("--csv"), full.stderr)
    XCTAssertTrue(full.stderr.contains("No space left on device"), full.stderr)
    XCTAssertEqual(full.stderr.split(separator: "\n").count, 1, full.stderr)
    XCTAssertEqual(lstat(path("full"), &info), 0)
    XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR)
    XCTAssertEqual(try listing(), ["full", "null"])

  }

  /// Item 1: `-` and a (private) link to /proc/self/fd/1, as /dev/stdout is, are standard
  /// output, for --csv and --trajectory; the link stays.
  func testDashAndDescriptorLinkAreStandardOutput() throws {
    XCTAssertEqual(symlink("/proc/self/fd/1", path("stdout")), 0)
    for target in ["-", "stdout"] {
      let r = try run(curve + ["--csv", target])
      XCTAssertEqual(r.status, 0, r.stderr)
      XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).hasPrefix(expected))
      let t = try run([
        "train", "--p0", "0.3", "--p01", "0.1", "--steps", "20", "--trajectory", target,
      ])
      XCTAssertEqual(t.status, 0, t.stderr)
      XCTAssertTrue(String(decoding: t.stdout, as: UTF8.self).contains("step"), t.stderr)
    }
    XCTAssertEqual(try listing(), ["stdout"])
    XCTAssertEqual(
      try FileManager.default.destinationOfSymbolicLink(atPath: path("stdout")), "/proc/self/fd/1")
  }

  /// Item 3: a full standard output is one line and exit 1 for every subcommand.
  func testFullStandardOutputFails() throws {
    XCTAssertEqual(mknod(path("full"), S_IFCHR | 0o666, dev_t(1 << 8 | 7)), 0, "mknod needs root")
    let commands: [[String]] = [
      ["minima", "--p0", ".3", "--p01", ".1"], ["symbolic", "--p0", ".3", "--p01", ".1"],
      curve, ["sweep", "--p0", "0:0.5:3", "--p01", "0.1"],
      ["train", "--p0", ".3", "--p01", ".1", "--steps", "20"],
      ["validate", LandscapeCLITests.cases.appendingPathComponent("train-mse-hedges.json").path],
    ]
    for arguments in commands {
      let process = Process()
      process.executableURL = LandscapeCLITests.binary
      process.arguments = arguments
      process.standardOutput = FileHandle(forWritingAtPath: path("full"))
      let errors = Pipe()
      process.standardError = errors
      try process.run()
      process.waitUntilExit()
      let text = String(
        decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      XCTAssertEqual(process.terminationStatus, 1, "\(arguments): \(text)")
      XCTAssertEqual(text, "landscape: standard output: No space left on device\n", "\(arguments)")
    }
  }

  /// Item 2: SIGINT and SIGTERM during a long curve's write leave no temporary file and the target
  /// untouched, with exit status 130 and 143.
  func testSignalsRemoveTemporaryFiles() throws {
    for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
      XCTAssertTrue(
        FileManager.default.createFile(atPath: path("p.csv"), contents: Data("old\n".utf8)))
      let process = Process()
      process.executableURL = LandscapeCLITests.binary
      process.arguments = [
        "curve", "--p0", "0.3", "--p01", "0.1", "--points", "90000000", "--csv", "p.csv",
      ]
      process.currentDirectoryURL = folder
      process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
      process.standardError = FileHandle(forWritingAtPath: "/dev/null")
      try process.run()
      // Wait until the temporary file exists, then signal.
      let deadline = Date().addingTimeInterval(30)
      while try listing().count < 2 && Date() < deadline && process.isRunning { usleep(5_000) }
      XCTAssertTrue(process.isRunning, "the sweep ended before the signal")
      kill(process.processIdentifier, signal)
      process.waitUntilExit()
      XCTAssertEqual(process.terminationReason, .exit)
      XCTAssertEqual(process.terminationStatus, status)
      XCTAssertEqual(try listing(), ["p.csv"])
      XCTAssertEqual(contents("p.csv"), "old\n")
    }
  }

  /// Item 8: a sweep whose --plot cannot be drawn fails before writing anything, exit 2
  /// (one-axis sweeps draw line charts).
  func testSweepPlotErrorsComeBeforeAnyWork() throws {
    let r = try run(["sweep", "--p0", "0:0.5:3", "--p01", "0.1", "--csv", "s.csv", "--plot", "s.gif"])
    XCTAssertEqual(r.status, 2, r.stderr)
    XCTAssertTrue(r.stderr.hasPrefix("landscape: --plot: "), r.stderr)
    XCTAssertEqual(try listing(), [])
  }

  /// Item 10: our own option checks are usage errors naming the subcommand's help, and a
  /// third grid names the grid flags.
  func testOptionErrorsAreUsageErrors() throws {
    let cases: [([String], String)] = [
      (["sweep", "--p0", "0:2:3", "--p01", "0.1"], "--p0"),
      (["sweep", "--p0", "0:0.5:3", "--p01", "0:0.5:3", "--p1", "0:0.5:2"], "--p0 --p01 --p1"),
      (["minima", "--p0", "1.5", "--p01", "0.1"], "--p0"),
    ]
    for (arguments, flag) in cases {
      let r = try run(arguments)
      XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)")
      XCTAssertTrue(r.stderr.hasPrefix("landscape: \(flag)"), r.stderr)
      XCTAssertTrue(r.stderr.hasSuffix("(see 'landscape \(arguments[0]) --help')\n"), r.stderr)
      XCTAssertFalse(r.stderr.contains("--vary"), r.stderr)
    }
    // A value that is no size at all is the argument parser's usage error, naming both.
    let r = try run(curve + ["--size", "foo"])
    XCTAssertEqual(r.status, 2, r.stderr)
    XCTAssertEqual(
      r.stderr,
      "landscape: The value 'foo' is invalid for '--size <WxH>' (see 'landscape curve --help')\n")
  }

  /// Item 9: grid values come back as the spec's decimals.
  func testGridValuesKeepTheirDecimals() throws {
    let r = try run(["sweep", "--p0", "0:0.5:101", "--p01", "0.1"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let firsts = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").dropFirst()
      .map { $0.split(separator: ",")[0] }
    XCTAssertEqual(firsts[6], "0.03")
    XCTAssertEqual(firsts[7], "0.035")
    let c = try run(["curve", "--p0", "0.3", "--p01", "0.1", "--points", "101"])
    XCTAssertTrue(String(decoding: c.stdout, as: UTF8.self).contains("\n0.07,"))
  }

  /// Item 16: --version prints the version.
  func testVersion() throws {
    let r = try run(["--version"])
    XCTAssertEqual(r.status, 0)
    XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), "0.1.0\n")
  }

  func write(_ name: String, _ json: String) -> String {
    XCTAssertTrue(FileManager.default.createFile(atPath: path(name), contents: Data(json.utf8)))
    return path(name)
  }

  let patterns =
    #""patterns": [{"name": "p0", "probability": 0.3, "fires": {"parent": 1}}, {"name": "p01", "probability": 0.1, "fires": {"parent": 1, "child": 1}}]"#

  /// Item 4: a case name that is no file name, or a pattern name that is no identifier, is
  /// refused where the case is read; reproduce writes nothing outside --out.
  func testNamesAreChecked() throws {
    try FileManager.default.createDirectory(
      atPath: path("cases"), withIntermediateDirectories: false)
    _ = write(
      "cases/bad.json", #"{"name": "../../escaped", "features": ["parent", "child"], "# + patterns + "}")
    let r = try run(["reproduce", "--cases", "cases", "--out", "figs"])
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("name: \"../../escaped\""), r.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("../escaped.png")))
    let bad = write(
      "p.json",
      #"{"features": ["parent", "child"], "patterns": [{"name": "p}0", "probability": 0.3, "fires": {"parent": 1}}]}"#)
    let p = try run(["minima", bad])
    XCTAssertEqual(p.status, 1)
    XCTAssertTrue(p.stderr.contains("patterns[0].name: \"p}0\" is not an identifier"), p.stderr)
  }

  /// Item 4: a title cannot leave the LaTeX comment it is printed in.
  func testLatexTitleStaysInItsComment() throws {
    let file = write(
      "t.json",
      #"{"title": "x\n\\end{align}\\input{secret}", "features": ["parent", "child"], "#
        + patterns + "}")
    let r = try run(["symbolic", file, "--latex"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
    XCTAssertTrue(lines[0].hasPrefix("% t: x \\end{align}"), String(lines[0]))
    XCTAssertFalse(lines.dropFirst().contains { $0.contains("input{secret}") })
  }

  /// Item 5: a key given twice is an error naming it.
  func testDuplicateKeysAreRefused() throws {
    let top = write(
      "b.json",
      #"{"features": ["parent", "child"], "bias": "none", "bias": "optimal", "# + patterns + "}")
    let r = try run(["minima", top])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("bias: is given twice"), r.stderr)
    let nested = write(
      "n.json",
      #"{"features": ["parent", "child"], "train": {"loss": "mse", "loss": "l2"}, "# + patterns
        + "}")
    let n = try run(["minima", nested])
    XCTAssertEqual(n.status, 1)
    XCTAssertTrue(n.stderr.contains("train.loss: is given twice"), n.stderr)
  }

  /// Item 6: implausible training options are refused before training.
  func testImplausibleLatentTrainingPlanAreRefused() throws {
    for (flag, value) in [("--init-noise", "1e300"), ("--lr", "11")] {
      let r = try run(["train", "--p0", ".3", "--p01", ".1", flag, value])
      XCTAssertEqual(r.status, 2, r.stderr)
      XCTAssertTrue(r.stderr.hasPrefix("landscape: \(flag): "), r.stderr)
      XCTAssertEqual(r.stdout.count, 0)
    }
  }

  /// Item 14: each minimum reports its latent, cosine with the parent and hedging; the
  /// output names the magnitudes. Reference: t* = 2 p01/((p0 + 2 p01) + sqrt(p0^2 +
  /// 4 p01^2)) (the stable root of the README's quadratic), l = (1 - t, t)/sqrt((1 - t)^2 +
  /// t^2), hedging = t/(1 - t).
  func testMinimaReportHedging() throws {
    let r = try run(["minima", "--p0", "0.3", "--p01", "0.1", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
    let mse = try XCTUnwrap((root["mse"] as? [String: Any])?["minima"] as? [[String: Any]])
    let t = 2 * 0.1 / ((0.3 + 0.2) + (0.09 + 0.04).squareRoot())
    let norm = ((1 - t) * (1 - t) + t * t).squareRoot()
    let latent = try XCTUnwrap(mse[0]["latent"] as? [String: Double])
    XCTAssertEqual(latent["parent"]!, (1 - t) / norm, accuracy: 1e-12)
    XCTAssertEqual(latent["child"]!, t / norm, accuracy: 1e-12)
    XCTAssertEqual(mse[0]["cos_parent"] as! Double, (1 - t) / norm, accuracy: 1e-12)
    XCTAssertEqual(mse[0]["hedging"] as! Double, t / (1 - t), accuracy: 1e-12)
    // The child latent (t = 1) has no parent component: hedging is null.
    let wide = try run(["minima", "--p0", "0.1", "--p01", "0.3", "--p1", "0.5", "--json"])
    let wideJSON = try XCTUnwrap(
      JSONSerialization.jsonObject(with: wide.stdout) as? [String: Any])
    let wideL2 = try XCTUnwrap((wideJSON["l2"] as? [String: Any])?["minima"] as? [[String: Any]])
    XCTAssertTrue(wideL2.contains { $0["t"] as? Double == 1 && $0["hedging"] is NSNull }, "\(wideL2)")
    // Magnitudes are named in the table and the JSON.
    let m = try run(["minima", "--p0", "0.3", "--p01", "0.1", "--child-magnitude", "2"])
    XCTAssertTrue(String(decoding: m.stdout, as: UTF8.self).contains("parent 1.0 + child 2.0"))
    let j = try run(["minima", "--p0", "0.3", "--p01", "0.1", "--child-magnitude", "2", "--json"])
    XCTAssertEqual(try Self.patterns(j.stdout)[1]["fires"] as? [String: Double], ["parent": 1, "child": 2])
  }

  /// The model's patterns in `minima --json` output.
  static func patterns(_ stdout: Data) throws -> [[String: Any]] {
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: stdout) as? [String: Any])
    return try XCTUnwrap((json["model"] as? [String: Any])?["patterns"] as? [[String: Any]])
  }

  /// Item 9: no negative zero in the minima table.
  func testNoNegativeZero() throws {
    let r = try run(["minima", "--p0", "0.3", "--p01", "0", "--t-min", "-0.5"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertFalse(String(decoding: r.stdout, as: UTF8.self).contains("-0.0"))
  }

  /// Item 13: the paper's probabilities, converted exactly and rounded once: 0.7 x 0.1 is
  /// 0.07 (in Doubles it is 0.06999999999999999), 0.4 x 0.75 is 0.3 (not 0.30000000000000004).
  func testPaperProbabilities() throws {
    let r = try run([
      "minima", "--p-parent", "0.4", "--p-child-if-parent", "0.25", "--p-child-if-no-parent",
      "0.1", "--json",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let patterns = try Self.patterns(r.stdout)
    XCTAssertEqual(patterns.map { $0["name"] as? String }, ["p0", "p01", "p1"])
    XCTAssertEqual(patterns.map { $0["probability"] as? Double }, [0.3, 0.1, 0.06])
    let s = try run(["minima", "--p-parent", "0.7", "--p-child-if-parent", "0.1", "--json"])
    XCTAssertEqual(try Self.patterns(s.stdout)[1]["probability"] as? Double, 0.07)
    let both = try run(["minima", "--p-parent", "0.4", "--p0", "0.1", "--p01", "0.1"])
    XCTAssertEqual(both.status, 2)
    let bad = try run(["minima", "--p-parent", "1.5", "--p-child-if-parent", "0.1"])
    XCTAssertEqual(bad.status, 2)
    XCTAssertTrue(bad.stderr.contains("--p-parent: \"1.5\""), bad.stderr)
  }

  /// Item 2: SIGINT while a large figure is drawn (in memory, then written beside the
  /// target and renamed) exits 130 and leaves no file behind.
  func testSignalWhileAFigureIsDrawnLeavesNoFile() throws {
    let process = Process()
    process.executableURL = LandscapeCLITests.binary
    process.arguments = [
      "curve", "--p0", "0.3", "--p01", "0.1", "--plot", "big.png", "--size", "8000x8000",
    ]
    process.currentDirectoryURL = folder
    try process.run()
    usleep(100_000)
    XCTAssertTrue(process.isRunning, "the figure was done before the signal")
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 130)
    XCTAssertEqual(try listing(), [])
  }

  /// Item 7: drawing every sample of a huge run one by one is refused up front.
  func testHugeSampledTrainingIsRefused() throws {
    let r = try run([
      "train", "--p0", ".3", "--p01", ".1", "--sampling", "samples", "--batch", "1000000000",
      "--steps", "100",
    ], timeout: 20)
    XCTAssertEqual(r.status, 2, r.stderr)
    XCTAssertTrue(r.stderr.hasPrefix("landscape: --sampling: samples "), r.stderr)
  }
}
