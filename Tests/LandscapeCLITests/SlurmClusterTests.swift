import Foundation
import XCTest

/// `landscape study --slurm` on a real one-node Slurm cluster started in a temporary folder
/// (Debian's slurmctld, slurmd and munge: `make test-deps` installs them): the merged tables
/// equal a local unsharded run's, and a task cancelled mid-run loses only its runs in
/// flight, which a resubmission runs. Every daemon is stopped by its PID and the folder
/// removed in tearDown, also when the test fails. Skipped only when the daemons cannot start.
final class SlurmClusterTests: XCTestCase {
  var root: URL!
  /// The daemons' process ids, spawned directly: Foundation's Process, watching a child
  /// that runs on, was seen never to reap the short-lived clients started after it.
  var daemons: [pid_t] = []
  var environment: [String: String] = [:]

  static let tools = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel"]

  /// A tool in the system's folders (the daemons are in /usr/sbin, often not on PATH).
  static func tool(_ name: String) -> String? {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
      .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// A TCP port free now on 127.0.0.1: bound with port 0, read, closed.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw XCTSkip("no socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
        bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
      }
    }
    guard bound else { throw XCTSkip("cannot bind a port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// This machine's short host name (`hostname -s`).
  static var shortHostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, 255)
    let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return String(name.split(separator: ".").first ?? "localhost")
  }

  /// Runs a Slurm client with this cluster's SLURM_CONF; its standard output, and its
  /// standard error when it fails.
  @discardableResult
  func client(_ name: String, _ arguments: [String], failed: ((String) -> Void)? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try XCTUnwrap(Self.tool(name)))
    process.arguments = arguments
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // A client writes a few lines: neither pipe fills while the other is read.
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 { failed?(String(decoding: errors, as: UTF8.self)) }
    return String(decoding: data, as: UTF8.self)
  }

  /// Starts a daemon in the foreground (posix_spawn), its output in `<name>.out`.
  func start(_ name: String, _ arguments: [String]) throws {
    let path = try XCTUnwrap(Self.tool(name))
    let log = root.appendingPathComponent("\(name).out").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard status == 0 else { throw XCTSkip("\(name) cannot be started: \(String(cString: strerror(status)))") }
    daemons.append(pid)
  }

  /// Whether the daemon `pid` still runs (reaped here when it has ended).
  static func running(_ pid: pid_t) -> Bool {
    var status: Int32 = 0
    return waitpid(pid, &status, WNOHANG) == 0
  }

  /// Waits up to `seconds` for `condition`, polling every 0.2 s.
  func wait(_ seconds: Double, until condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      usleep(200_000)
    }
    return try condition()
  }

  /// The last lines of the daemons' logs, for a skip or failure message.
  func logs() -> String {
    ["munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log"].map { name in
      let text = (try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)) ?? ""
      return "\(name): " + text.split(separator: "\n").suffix(3).joined(separator: " | ")
    }.joined(separator: "\n")
  }

  override func setUpWithError() throws {
    guard LandscapeCLITests.binary != nil else { throw XCTSkip("the binary is not built") }
    guard getuid() == 0 else { throw XCTSkip("the one-node Slurm cluster runs its daemons as root; not root") }
    let missing = Self.tools.filter { Self.tool($0) == nil }
    guard missing.isEmpty else {
      throw XCTSkip("\(missing.joined(separator: ", ")) not installed (make test-deps installs slurmctld slurmd slurm-client munge)")
    }
    // No space in this folder: slurm.conf's values are not quoted.
    root = URL(fileURLWithPath: "/tmp/landscape-slurm-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let r = root.path
    for sub in ["state", "spool"] {
      try FileManager.default.createDirectory(atPath: "\(r)/\(sub)", withIntermediateDirectories: true)
    }
    var key = [UInt8](repeating: 0, count: 1024)
    for i in key.indices { key[i] = UInt8.random(in: 0...255) }
    guard
      FileManager.default.createFile(
        atPath: "\(r)/munge.key", contents: Data(key), attributes: [.posixPermissions: 0o400])
    else { throw XCTSkip("munge's key cannot be written in \(r)") }
    let (controllerPort, nodePort) = (try Self.freePort(), try Self.freePort())
    let conf = """
      ClusterName=landscapetest
      SlurmctldHost=localhost(127.0.0.1)
      SlurmctldPort=\(controllerPort)
      SlurmdPort=\(nodePort)
      AuthType=auth/munge
      AuthInfo=socket=\(r)/munge.socket
      CredType=cred/munge
      SlurmUser=root
      SlurmdUser=root
      StateSaveLocation=\(r)/state
      SlurmdSpoolDir=\(r)/spool
      SlurmctldPidFile=\(r)/slurmctld.pid
      SlurmdPidFile=\(r)/slurmd.pid
      SlurmctldLogFile=\(r)/slurmctld.log
      SlurmdLogFile=\(r)/slurmd.log
      ProctrackType=proctrack/linuxproc
      TaskPlugin=task/none
      JobAcctGatherType=jobacct_gather/none
      AccountingStorageType=accounting_storage/none
      JobCompType=jobcomp/none
      SelectType=select/cons_tres
      SelectTypeParameters=CR_Core
      SchedulerType=sched/backfill
      MpiDefault=none
      ReturnToService=2
      SlurmdParameters=config_overrides
      NodeName=\(Self.shortHostName) NodeAddr=127.0.0.1 CPUs=\(ProcessInfo.processInfo.activeProcessorCount) RealMemory=100 State=UNKNOWN
      PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP

      """
    try Data(conf.utf8).write(to: root.appendingPathComponent("slurm.conf"))
    environment = ProcessInfo.processInfo.environment
    environment["SLURM_CONF"] = "\(r)/slurm.conf"
    try start(
      "munged",
      ["--foreground", "--force", "--socket=\(r)/munge.socket", "--key-file=\(r)/munge.key",
       "--pid-file=\(r)/munged.pid", "--log-file=\(r)/munged.log", "--seed-file=\(r)/munged.seed"])
    guard wait(10, until: { FileManager.default.fileExists(atPath: "\(r)/munge.socket") }) else {
      throw XCTSkip("munged did not start:\n\(logs())")
    }
    try start("slurmctld", ["-D", "-f", "\(r)/slurm.conf"])
    try start("slurmd", ["-D", "-f", "\(r)/slurm.conf", "-N", Self.shortHostName])
    let idle = try wait(30) { try client("sinfo", ["-h", "-o", "%T"]).contains("idle") }
    guard idle else { throw XCTSkip("the one-node cluster did not come up in 30 s:\n\(logs())") }
  }

  override func tearDownWithError() throws {
    if root != nil, daemons.count == 3 {
      // Jobs first (their steps outlive slurmd otherwise), then the daemons.
      _ = try? client("scancel", ["--user=root"])
      _ = try? wait(10) { try client("squeue", ["-h"]).isEmpty }
    }
    for pid in daemons.reversed() where Self.running(pid) {
      kill(pid, SIGTERM)
      let deadline = Date().addingTimeInterval(10)
      while Self.running(pid) && Date() < deadline { usleep(50_000) }
      if Self.running(pid) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
      }
    }
    daemons = []
    if let root { try? FileManager.default.removeItem(at: root) }
  }

  let grid = [
    "--vary", "sae.latents=2:3:2", "--vary", "hierarchy.groups[0].parent_probability=0.2,0.4",
    "--seeds", "1,2",
  ]

  func landscape(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let r = try runLandscape(arguments, in: root, environment: environment)
    return (r.status, String(decoding: r.stdout, as: UTF8.self), r.stderr)
  }

  /// The job ids in `submitted array job A (...) and merge job M after it`.
  func jobs(_ stdout: String) throws -> (array: String, merge: String) {
    let words = stdout.split(whereSeparator: \.isWhitespace).map(String.init)
    let ids = words.indices.dropLast().filter { words[$0] == "job" }.map { words[$0 + 1] }
    XCTAssertEqual(ids.count, 2, stdout)
    XCTAssertTrue(ids.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }, stdout)
    return (try XCTUnwrap(ids.first, stdout), try XCTUnwrap(ids.last, stdout))
  }

  func waitForEmptyQueue() throws {
    let empty = try wait(180) { try client("squeue", ["-h"]).isEmpty }
    let queue = try client("squeue", [])
    XCTAssertTrue(empty, "jobs still queued after 180 s:\n\(queue)\n\(logs())")
  }

  func text(_ folder: String, _ name: String) throws -> String {
    try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
  }

  /// runs.csv without its last column, each run's seconds (wall time differs between executions).
  func timeless(_ csv: String) -> String {
    csv.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
    }.joined(separator: "\n")
  }

  /// The saved runs' files (temporary files of a cancelled run aside), sorted.
  func savedRuns(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: "\(folder)/runs")
      .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
  }

  let allRuns = (0..<4).flatMap { i in ["i\(i)-s1.json", "i\(i)-s2.json"] }

  func testArrayStudyEqualsLocalRunAndResumesACancelledTask() throws {
    let start = Date()
    let c = root.appendingPathComponent("tiny.json").path
    try Data(StudyCommandTests.caseText.utf8).write(to: URL(fileURLWithPath: c))
    let local = try landscape(["study", c] + grid + ["--out", "local"])
    XCTAssertEqual(local.status, 0, local.stderr)

    // A folder with a space and a quote in its name.
    let study = root.appendingPathComponent("it's a study").path
    let submit = try landscape(["study", c] + grid + ["--out", study, "--slurm", "--tasks", "4"])
    XCTAssertEqual(submit.status, 0, submit.stderr)
    XCTAssertTrue(submit.stdout.contains("(tasks 1-4 of 4)"), submit.stdout)
    _ = try jobs(submit.stdout)
    try waitForEmptyQueue()
    XCTAssertEqual(try text(study, "latents.csv"), try text(root.path + "/local", "latents.csv"))
    XCTAssertEqual(timeless(try text(study, "runs.csv")), timeless(try text(root.path + "/local", "runs.csv")))
    XCTAssertEqual(try savedRuns(study), allRuns)
    XCTAssertEqual(try landscape(["study", "status", study]).stdout, "tiny: 8 runs: 8 ok, 0 failed, 0 pending\n")

    // Runs of about a second each; task 2 (runs i1-s1, i1-s2) cancelled once its first run is saved.
    let slow = root.appendingPathComponent("slow.json").path
    try Data(StudyCommandTests.caseText.replacingOccurrences(of: "\"steps\": 20", with: "\"steps\": 120000").utf8)
      .write(to: URL(fileURLWithPath: slow))
    let second = root.appendingPathComponent("second").path
    let first = try landscape(["study", slow] + grid + ["--out", second, "--slurm", "--tasks", "4"])
    XCTAssertEqual(first.status, 0, first.stderr)
    let (array, _) = try jobs(first.stdout)
    let firstSaved = wait(120) { FileManager.default.fileExists(atPath: "\(second)/runs/i1-s1.json") }
    XCTAssertTrue(firstSaved, logs())
    let queue = try client("squeue", ["-h", "-o", "%i %T"])
    try client("scancel", ["\(array)_2"]) { XCTFail("scancel \(array)_2: \($0)") }
    print("SlurmClusterTests: cancelled \(array)_2; the queue was:\n\(queue)")
    try waitForEmptyQueue()
    XCTAssertFalse(
      FileManager.default.fileExists(atPath: "\(second)/runs/i1-s2.json"),
      "task 2 ended before its cancel: nothing to resume")
    XCTAssertEqual(try landscape(["study", "status", second]).stdout, "slow: 8 runs: 7 ok, 0 failed, 1 pending\n")

    let again = try landscape(["study", slow] + grid + ["--out", second, "--slurm", "--tasks", "4"])
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertTrue(again.stdout.contains("(tasks 2 of 4)"), again.stdout)
    try waitForEmptyQueue()
    let slowLocal = try landscape(["study", slow] + grid + ["--out", "slow-local", "--jobs", "2"])
    XCTAssertEqual(slowLocal.status, 0, slowLocal.stderr)
    XCTAssertEqual(try text(second, "latents.csv"), try text(root.path + "/slow-local", "latents.csv"))
    XCTAssertEqual(timeless(try text(second, "runs.csv")), timeless(try text(root.path + "/slow-local", "runs.csv")))
    XCTAssertEqual(try savedRuns(second), allRuns)
    XCTAssertEqual(try text(second, "runs.csv").split(separator: "\n").count, 9)
    print("SlurmClusterTests: the two studies on the cluster and their local runs took \(Date().timeIntervalSince(start)) s")
  }
}
