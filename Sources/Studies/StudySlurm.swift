import Foundation
import ToyModels

/// A study run as a Slurm job array: array task `i` of `N` runs the study's `i`-th of `N`
/// slices (`--shard i/N`) and saves only its runs; a merge job, started after every task
/// ended (`--dependency=afterany`), writes the tables.
///
/// The study folder is the only coordination: its `study.json` (written once, by the
/// submitting command, before submission) holds the case, the `--set` fields and the grid,
/// so a later edit of the case file changes nothing; each task reads it, writes only its own
/// runs' files (`runs/<key>.json`, each atomically), and never the tables; `study merge`
/// writes `runs.csv` and `latents.csv` once the array has ended.
public struct StudySlurm: Sendable {
  /// The study folder, an absolute path.
  public var folder: String
  /// The `landscape` binary the tasks run, an absolute path (on the shared filesystem).
  public var binary: String
  /// Array tasks, in 1...runs.
  public var tasks: Int
  /// Runs at once in a task, in 1...256: each task's `--cpus-per-task`.
  public var jobs: Int
  /// Correlated toys: samples of each run's final loss estimate (`--samples`).
  public var samples: Int
  /// More `sbatch` options for both jobs (`--partition=long`, `--time=2:00:00`), checked by
  /// `options(parsing:)`.
  public var extra: [String]

  public init(
    folder: String, binary: String, tasks: Int, jobs: Int, samples: Int, extra: [String] = []
  ) {
    self.folder = folder
    self.binary = binary
    self.tasks = tasks
    self.jobs = jobs
    self.samples = samples
    self.extra = extra
  }

  /// The array tasks that have a run to do: task `i` (1...tasks) when a run of its slice
  /// `shard(i, of: tasks, runs:)` is not saved in the folder.
  public func pendingTasks(of study: Study) -> [Int] {
    let all = study.runs
    let saved = Study.saved(in: [folder])
    return (1...tasks).filter { i in
      all[Study.shard(i, of: tasks, runs: all.count)].contains { run in
        saved[run.key]?.overrides != Study.overrideMap(run)
      }
    }
  }

  /// `DIR/study.sbatch`: the job array of the tasks `array` (a subset of 1...tasks), each
  /// `landscape study DIR --out DIR --runs-only --shard $SLURM_ARRAY_TASK_ID/tasks`.
  public func arrayScript(caseName: String, runs: Int, array: [Int]) -> String {
    let slurmFolder = (folder as NSString).appendingPathComponent("slurm")
    return """
      #!/bin/sh
      # landscape study \(Self.comment(caseName)): \(runs) runs in \(tasks) array tasks; task I \
      runs slice I/\(tasks) and saves its runs only.
      # Written by `landscape study --slurm`, which also submits merge.sbatch after it.
      #SBATCH --job-name=\(Self.jobName(caseName))
      #SBATCH --array=\(Self.arraySpec(array))
      #SBATCH --cpus-per-task=\(jobs)
      #SBATCH --output=\(Self.sbatchQuoted((slurmFolder as NSString).appendingPathComponent("task-%A_%a.out")))
      \(extra.isEmpty ? "" : "#SBATCH \(extra.joined(separator: " "))\n")\
      exec \(Self.shellQuoted(binary)) study \(Self.shellQuoted(folder)) --out \(Self.shellQuoted(folder)) \
      --runs-only --shard "$SLURM_ARRAY_TASK_ID/\(tasks)" --jobs \(jobs) --samples \(samples)

      """
  }

  /// `DIR/merge.sbatch`: `landscape study merge DIR`, the tables from the saved runs.
  public func mergeScript(caseName: String) -> String {
    let slurmFolder = (folder as NSString).appendingPathComponent("slurm")
    return """
      #!/bin/sh
      # landscape study \(Self.comment(caseName)): the tables (runs.csv, latents.csv) from the saved runs.
      # Written by `landscape study --slurm`, submitted with --dependency=afterany:<the array's job id>.
      #SBATCH --job-name=\(Self.jobName(caseName))-merge
      #SBATCH --cpus-per-task=1
      #SBATCH --output=\(Self.sbatchQuoted((slurmFolder as NSString).appendingPathComponent("merge-%j.out")))
      \(extra.isEmpty ? "" : "#SBATCH \(extra.joined(separator: " "))\n")\
      exec \(Self.shellQuoted(binary)) study merge \(Self.shellQuoted(folder))

      """
  }

  /// What `prepare` wrote and `submit` submitted.
  public struct Submission: Sendable, Equatable {
    /// The array tasks submitted (those with a run to do); empty when every run is saved.
    public var array: [Int]
    /// `DIR/study.sbatch` and `DIR/merge.sbatch`.
    public var arrayPath: String
    public var mergePath: String
    /// The job ids `sbatch --parsable` printed; nil before submission.
    public var arrayJob: String?
    public var mergeJob: String?
  }

  /// Writes `DIR/study.sbatch` (the tasks with a run to do; all of them when none has) and
  /// `DIR/merge.sbatch`, each atomically, and creates `DIR/slurm/` for the jobs' output; the
  /// folder's `study.json` must already hold `study`.
  /// - Throws: `FieldError` (output) when a file cannot be written.
  public func prepare(_ study: Study) throws -> Submission {
    let array = pendingTasks(of: study)
    let slurmFolder = (folder as NSString).appendingPathComponent("slurm")
    let arrayPath = (folder as NSString).appendingPathComponent("study.sbatch")
    let mergePath = (folder as NSString).appendingPathComponent("merge.sbatch")
    do {
      try FileManager.default.createDirectory(atPath: slurmFolder, withIntermediateDirectories: true)
    } catch {
      throw FieldError(
        field: "--out", value: escapedForMessage(slurmFolder), reason: "cannot be created", kind: .output)
    }
    try Study.writeAtomically(
      Data(arrayScript(caseName: study.caseName, runs: study.runs.count, array: array.isEmpty ? Array(1...tasks) : array).utf8),
      to: arrayPath)
    try Study.writeAtomically(Data(mergeScript(caseName: study.caseName).utf8), to: mergePath)
    return Submission(array: array, arrayPath: arrayPath, mergePath: mergePath)
  }

  /// Submits the array and then the merge job (`--dependency=afterany:<array job>`) with
  /// `sbatch --parsable`; submits nothing when no task has a run to do.
  /// - Parameter sbatch: the `sbatch` executable's path (`executable(named:)`).
  /// - Throws: `FieldError` with sbatch's first line of standard error when it fails.
  public func submit(_ prepared: Submission, sbatch: String) throws -> Submission {
    var submitted = prepared
    guard !prepared.array.isEmpty else { return submitted }
    let arrayJob = try Self.sbatch(sbatch, ["--parsable", prepared.arrayPath])
    submitted.arrayJob = arrayJob
    submitted.mergeJob = try Self.sbatch(
      sbatch, ["--parsable", "--dependency=afterany:\(arrayJob)", prepared.mergePath])
    return submitted
  }

  /// Runs `sbatch arguments`; returns the job id (`--parsable` prints `id` or `id;cluster`).
  static func sbatch(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do {
      try process.run()
    } catch {
      throw FieldError(field: "sbatch", value: escapedForMessage(path), reason: "cannot be run")
    }
    // sbatch writes a line or two: neither pipe fills while the other is read to its end.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let stderr = String(decoding: errData, as: UTF8.self)
    let stdout = String(decoding: outData, as: UTF8.self)
    let id = stdout.split(separator: "\n").first.map { String($0.split(separator: ";").first ?? "") } ?? ""
    guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
      let line = stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(process.terminationStatus)"
      throw FieldError(
        field: "sbatch", value: arguments.last.map { escapedForMessage($0) } ?? "",
        reason: "failed: \(escapedForMessage(line, limit: 200))")
    }
    return id
  }

  /// `--sbatch 'OPTIONS'`: sbatch options separated by spaces (a word without `-` is the
  /// previous option's value), none of them line breaks; not
  /// those the scripts set themselves (--array, --cpus-per-task, --output, --dependency,
  /// --parsable, --wrap and their short forms).
  /// - Throws: `FieldError` (usage) naming `--sbatch`.
  public static func options(parsing text: String) throws -> [String] {
    func refuse(_ reason: String) -> FieldError {
      FieldError(flag: "--sbatch", value: "'\(escapedForMessage(text, limit: 60))'", reason: reason)
    }
    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != " " && $0 != "\t" })
    else { throw refuse("has a line break or control character") }
    let options = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard !options.isEmpty else { throw refuse("is empty (give sbatch options: --partition=long)") }
    let owned = [
      "--array", "-a", "--cpus-per-task", "-c", "--output", "-o", "--dependency", "-d", "--parsable",
      "--wrap",
    ]
    guard options[0].hasPrefix("-") else {
      throw refuse("does not start with an option (-p long, --time=1:00:00)")
    }
    for option in options where option.hasPrefix("-") {
      let name = String(option.prefix { $0 != "=" })
      let short = option.hasPrefix("--") ? name : String(option.prefix(2))
      if owned.contains(short) {
        throw refuse("sets \(short), which the study's scripts set themselves")
      }
    }
    return options
  }

  /// Refuses a folder or binary path an `#SBATCH` line cannot hold: a double quote, a
  /// backslash, `%` (sbatch's file name patterns) or a control character.
  /// - Throws: `FieldError` (usage) naming `flag`.
  public static func checkPath(_ path: String, flag: String) throws {
    if path.contains(where: { $0 == "\"" || $0 == "\\" || $0 == "%" })
      || path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    {
      throw FieldError(
        flag: flag, value: "'\(escapedForMessage(path, limit: 80))'",
        reason: "has a double quote, backslash, % or control character, which sbatch's script lines cannot hold")
    }
  }

  /// The path of `name` on `PATH`, if it is an executable file there.
  public static func executable(named name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
    for folder in (path ?? "").split(separator: ":") {
      let candidate = (String(folder) as NSString).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// This process's executable as an absolute path, symlinks resolved (`/proc/self/exe`,
  /// else the first argument made absolute).
  public static func currentExecutable() -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
      path.hasPrefix("/")
    {
      return path
    }
    return absolute(CommandLine.arguments[0])
  }

  /// `path` made absolute against the current directory, `.` and `..` removed.
  public static func absolute(_ path: String) -> String {
    let full =
      path.hasPrefix("/")
      ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    return URL(fileURLWithPath: full).standardizedFileURL.path
  }

  /// `1-4`, `1,3`, `2-3,5`: sorted task numbers as sbatch's `--array` takes them.
  public static func arraySpec(_ tasks: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    let sorted = tasks.sorted()
    while i < sorted.count {
      var j = i
      while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
      parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
      i = j + 1
    }
    return parts.joined(separator: ",")
  }

  /// A word for the shell: `'...'`, each `'` written `'\''`.
  public static func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// A value of an `#SBATCH` line: in double quotes (sbatch reads a quoted value with
  /// spaces and single quotes; `checkPath` refuses what it cannot hold).
  static func sbatchQuoted(_ text: String) -> String { "\"\(text)\"" }

  /// `landscape-<case name>`, the name's characters other than letters, digits, `.`, `_`
  /// and `-` replaced by `_`.
  static func jobName(_ caseName: String) -> String {
    "landscape-"
      + String(caseName.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
  }

  /// The case name on a comment line (no line breaks).
  static func comment(_ caseName: String) -> String {
    String(caseName.map { $0.isNewline ? " " : $0 })
  }
}

extension Study {
  /// The `index`-th (1...count) of `count` equal slices of `runs` runs:
  /// [runs (index - 1) / count, runs index / count).
  public static func shard(_ index: Int, of count: Int, runs: Int) -> Range<Int> {
    (runs * (index - 1) / count)..<(runs * index / count)
  }

  /// Writes `data` to `path` through a temporary file beside it, renamed over it.
  /// - Throws: `FieldError` (output) naming the path.
  public static func writeAtomically(_ data: Data, to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary = (folder as NSString).appendingPathComponent(".\(name).\(uniqueSuffix).tmp")
    do {
      try data.write(to: URL(fileURLWithPath: temporary))
      if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw FieldError(
        field: "--out", value: escapedForMessage(path), reason: "cannot be written", kind: .output)
    }
  }

  /// This process's host name and id: a temporary file's name no other process on any
  /// node sharing the folder uses.
  static var uniqueSuffix: String {
    var buffer = [CChar](repeating: 0, count: 256)
    let host =
      gethostname(&buffer, buffer.count - 1) == 0
      ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
    return "\(host).\(ProcessInfo.processInfo.processIdentifier)"
  }
}
