import ArgumentParser
import CaseFiles
import Foundation
import Reports
import Studies
import Synchronization
import ToyModels

/// `landscape study`: an SAE case trained over a grid of varied fields times seeds.
struct StudyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "study",
    abstract: "Train an SAE case over a grid of varied fields and seeds; tables a DataFrame reads.",
    discussion: """
      A run is the case with one grid point's fields set (as --set sets them) and \
      train.seed set to the seed, trained as `landscape train CASE --set ... --json` trains \
      it. Each finished run is saved under DIR/runs/ as it ends; running the same study \
      again skips the saved runs, so an interrupted study resumes. DIR/study.json (the case, \
      the grid, the version) is written first; DIR/runs.csv (one row a run) and \
      DIR/latents.csv (one row a run and latent) are rebuilt from the saved runs, in grid \
      order, whatever --jobs or --shard. A study folder as CASE runs its study again. A run that fails is recorded (status failed, its error) and the others go \
      on; the exit status is 1 when any failed. A case file's study block ({"vary": \
      {"sae.latents": "2:10:9"}, "seeds": [1, 2, 3]}) gives --vary and --seeds when none \
      is given: `landscape study cases/study-width-correlation.json --out DIR --jobs 2`. \
      --shard I/N runs a slice; `study merge DIR...` joins slices; `study status DIR` \
      counts the runs done, failed and pending. --slurm submits the study as a Slurm job \
      array (task I runs slice I/N, saving its runs only) and a merge job after it that \
      writes the tables; the same command again submits only the tasks with a run to do.

      Examples:
        landscape study cases/sae-untied-hierarchy.json --vary train.l1=0,1 --out s
        landscape study status s
        landscape study s --out c --slurm --tasks 2 --dry-run
      """,
    subcommands: [StudyRunCommand.self, StudyMergeCommand.self, StudyStatusCommand.self],
    defaultSubcommand: StudyRunCommand.self)
}

/// `landscape study [run] CASE --vary ... --out DIR`.
struct StudyRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Run a study (the default subcommand).")

  @Argument(
    help: "An SAE case file (JSON); its study block gives --vary and --seeds by default. Or a study folder: its study.json's study again (no --vary, --seeds, --set).")
  var caseFile: String

  @Option(
    parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "Vary a field over a grid A:B:N (decimals) or a list a,b,c. Repeatable; replaces the case's study block.",
      valueName: "FIELD=SPEC"))
  var vary: [String] = []

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The seeds, a list (default: the study block's, else the case's train.seed).",
      valueName: "1,2,3"))
  var seeds: String?

  @OptionGroup var set: SetOptions

  @Option(parsing: .unconditional, help: "Runs at once (the results do not depend on it).")
  var jobs = 1

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Run only the I-th of N equal slices of the runs.", valueName: "I/N"))
  var shard: Shard?

  @Option(help: ArgumentHelp("The study's folder (created).", valueName: "DIR"))
  var out: String

  @Option(
    parsing: .unconditional,
    help: "Sampled toys: samples of each run's final loss estimate.")
  var samples = 100_000

  @Option(
    help: ArgumentHelp(
      "Draw the study's figure from its runs table to FILE (.png, .svg, .pdf), as `landscape plot` draws it.",
      valueName: "FILE"))
  var plot: String?

  @OptionGroup var figure: StudyFigureOptions

  @Flag(help: "Save the runs only, no tables (a Slurm array task; `study merge DIR` writes them).")
  var runsOnly = false

  @Flag(help: "Submit the study as a Slurm job array and a merge job after it (see On a cluster).")
  var slurm = false

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("--slurm: array tasks, each a slice of the runs (default: runs, at most 100).", valueName: "N"))
  var tasks: Int?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("--slurm: more sbatch options for both jobs.", valueName: "'OPTIONS'"))
  var sbatch: String?

  @Flag(help: "--slurm: write DIR/study.sbatch and DIR/merge.sbatch, submit nothing.")
  var dryRun = false

  func validate() throws {
    if !(1...256).contains(jobs) { throw ValidationError("--jobs: \(jobs) is not in 1...256") }
    if !(1...1_000_000_000).contains(samples) {
      throw ValidationError("--samples: \(samples) is not in 1...1000000000")
    }
    if plot != nil {
      try figure.require(for: "--plot")
    } else if figure.isGiven {
      throw ValidationError("--x, --y, --hue, --color, --title and --size draw a figure: give --plot FILE.")
    }
    if runsOnly && plot != nil {
      throw ValidationError("--plot needs the tables, which --runs-only does not write")
    }
    if !slurm {
      for (flag, given) in [("--tasks", tasks != nil), ("--sbatch", sbatch != nil), ("--dry-run", dryRun)] where given {
        throw ValidationError("\(flag) is for --slurm: add --slurm")
      }
    } else {
      for (flag, given) in [("--shard", shard != nil), ("--runs-only", runsOnly)] where given {
        throw ValidationError("\(flag) is an array task's: --slurm submits the tasks")
      }
      if plot != nil {
        throw ValidationError("--plot draws a finished study: after the merge job, `landscape plot DIR`")
      }
      if let tasks, tasks < 1 { throw ValidationError("--tasks: \(tasks) is not a whole number >= 1") }
    }
  }

  func run() throws {
    let study = try resolve()
    if let plot { try FigureFile.check(plot, field: "--plot") }
    let description = try study.description(version: LandscapeCommand.version)
    if slurm { return try submit(study, description) }
    try StudyFolder.claim(out, for: description)
    let progress = StudyProgress(label: "study \(study.caseName)")
    defer { progress.finish() }
    try study.run(
      in: out, selection: shard?.range(of: study.runs.count), jobs: jobs,
      finished: { progress.show($0) })
    progress.finish()
    if runsOnly { return }
    let table = try StudyFolder.write(study, to: out)
    if let plot {
      try figure.draw(table, to: plot, field: "--plot")
      print("wrote \(plot)")
    }
    try StudyFolder.checkFailures(table, folder: out)
  }

  /// `--slurm`: study.json written once, then the scripts written and (without --dry-run) submitted.
  func submit(_ study: Study, _ description: Study.Description) throws {
    let runs = study.runs.count
    let count = tasks ?? min(runs, 100)
    if !(1...runs).contains(count) {
      throw FieldError(flag: "--tasks", value: "\(count)", reason: "is not in 1...\(runs) (the study's runs)")
    }
    let extra = try sbatch.map(StudySlurm.options(parsing:)) ?? []
    let folder = StudySlurm.absolute(out)
    let binary = StudySlurm.currentExecutable()
    try StudySlurm.checkPath(folder, flag: "--out")
    try StudySlurm.checkPath(binary, flag: "landscape's path")
    let sbatchPath = StudySlurm.executable(named: "sbatch")
    if sbatchPath == nil && !dryRun {
      throw FieldError(
        field: "--slurm", value: "",
        reason: "sbatch is not on PATH: install Slurm's client (Debian: slurm-client) or use --dry-run to write the scripts only")
    }
    try StudyFolder.claim(folder, for: description)
    let slurm = StudySlurm(
      folder: folder, binary: binary, tasks: count, jobs: jobs, samples: samples, extra: extra)
    var submission = try slurm.prepare(study)
    let pending = submission.array
    print("\(study.caseName): \(runs) runs in \(count) array tasks; wrote \(submission.arrayPath), \(submission.mergePath)")
    if pending.isEmpty {
      print("every run is saved: nothing to submit; `landscape study merge \(StudySlurm.shellQuoted(folder))` writes the tables")
      return
    }
    guard let sbatchPath, !dryRun else {
      print("dry run, nothing submitted: sbatch --parsable \(StudySlurm.shellQuoted(submission.arrayPath)), then sbatch --dependency=afterany:<its job id> \(StudySlurm.shellQuoted(submission.mergePath))")
      return
    }
    submission = try slurm.submit(submission, sbatch: sbatchPath)
    print("submitted array job \(submission.arrayJob ?? "") (tasks \(StudySlurm.arraySpec(pending)) of \(count)) and merge job \(submission.mergeJob ?? "") after it")
    print("progress: landscape study status \(StudySlurm.shellQuoted(folder))")
  }

  /// The study the arguments describe, its case checked: the axes and seeds from the flags,
  /// else from the case's study block (seeds: else the case's own train.seed); a study
  /// folder's own study.
  func resolve() throws -> Study {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: caseFile, isDirectory: &isFolder), isFolder.boolValue {
      for (flag, given) in [("--vary", !vary.isEmpty), ("--seeds", seeds != nil), ("--set", !set.texts.isEmpty)] where given {
        throw FieldError(flag: flag, value: "", reason: "is the case file's: \(escapedForMessage(caseFile)) is a study folder, which has its grid")
      }
      let study = try Study(StudyFolder.description(caseFile), samples: samples)
      _ = try study.check()
      return study
    }
    let fixed = try set.overrides()
    let axes = try vary.map { try Study.Axis(parsing: $0) }
    let listed = try seeds.map(Self.seedList)
    return try CaseDocument.reading(caseFile) { data, stem in
      try Study.of(
        caseJSON: data, caseName: stem, fixed: fixed, axes: axes, seeds: listed, samples: samples
      ).study
    }
  }

  /// `--seeds 1,2,3`.
  static func seedList(_ text: String) throws -> [UInt64] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
      guard let seed = UInt64(item.trimmingCharacters(in: .whitespaces)),
        seed <= UInt64(UInt32.max)
      else {
        throw FieldError(
          flag: "--seeds", value: "'\(escapedForMessage(text, limit: 60))'",
          reason: "is not a list of whole numbers in 0...4294967295")
      }
      return seed
    }
  }
}

/// `landscape study merge DIR...`: shards' saved runs joined into one study's tables.
struct StudyMergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Join study folders (shards) into one study's tables.",
    discussion: """
      The folders must hold the same study (study.json's case and grid). Their saved runs \
      are copied into --out (default: the first folder) and its tables rebuilt: byte for \
      byte what one unsharded run writes from the same runs.
      """)

  @Argument(help: "Study folders (each with study.json and runs/).")
  var folders: [String]

  @Option(help: ArgumentHelp("The merged study's folder (default: the first folder).", valueName: "DIR"))
  var out: String?

  func validate() throws {
    if folders.isEmpty { throw ValidationError("Give at least one study folder.") }
  }

  func run() throws {
    let descriptions = try folders.map(StudyFolder.description)
    for (folder, d) in zip(folders, descriptions).dropFirst() where !StudyFolder.same(d, descriptions[0]) {
      throw FieldError(
        field: folder, value: "", reason: "holds another study than \(folders[0]) (case or grid differ)")
    }
    let target = out ?? folders[0]
    let study = try Study(descriptions[0])
    try StudyFolder.claim(target, for: descriptions[0])
    if folders != [target] {
      let saved = Study.saved(in: folders)
      let runsFolder = (target as NSString).appendingPathComponent("runs")
      try FileManager.default.createDirectory(atPath: runsFolder, withIntermediateDirectories: true)
      for run in study.runs {
        guard let outcome = saved[run.key] else { continue }
        try Study.save(outcome, in: runsFolder)
      }
    }
    try StudyFolder.checkFailures(try StudyFolder.write(study, to: target), folder: target)
  }
}

/// `landscape study status DIR`: runs done, failed and pending, from the folder alone.
struct StudyStatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Count a study folder's runs: ok, failed, pending.")

  @Argument(help: "A study folder.")
  var folder: String

  func run() throws {
    let study = try Study(StudyFolder.description(folder))
    let saved = Study.saved(in: [folder])
    let counts = study.runs.map { saved[$0.key]?.status ?? "pending" }
    let ok = counts.filter { $0 == "ok" }.count
    let failed = counts.filter { $0 == "failed" }.count
    print(
      "\(study.caseName): \(study.runs.count) runs: \(ok) ok, \(failed) failed, \(counts.count - ok - failed) pending"
    )
  }
}

/// A study's folder: study.json, runs.csv, latents.csv and runs/.
enum StudyFolder {
  /// `DIR/study.json`.
  static func description(_ folder: String) throws -> Study.Description {
    let path = (folder as NSString).appendingPathComponent("study.json")
    let data = try InputFile.contents(of: path, field: "study folder", kind: .input)
    do {
      return try JSONDecoder().decode(Study.Description.self, from: data)
    } catch {
      throw FieldError(field: path, value: "", reason: "is not a study description (study.json)")
    }
  }

  /// Whether two descriptions are the same study (the version aside).
  static func same(_ a: Study.Description, _ b: Study.Description) -> Bool {
    a.case == b.case && a.caseName == b.caseName && a.overrides == b.overrides && a.vary == b.vary
      && a.seeds == b.seeds
  }

  /// Writes the folder's study.json when it has none (creating the folder): written once,
  /// before any run, so `study status` reads it while the study runs; refuses a folder that
  /// holds another study's study.json.
  static func claim(_ folder: String, for d: Study.Description) throws {
    let path = (folder as NSString).appendingPathComponent("study.json")
    guard FileManager.default.fileExists(atPath: path) else {
      do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      } catch {
        throw FieldError(
          field: "--out", value: escapedForMessage(folder), reason: "cannot be created", kind: .output)
      }
      var json = try ReportJSON.data(d)
      json.append(UInt8(ascii: "\n"))
      try OutputFile.write(json, to: path, field: "--out")
      return
    }
    guard same(try description(folder), d) else {
      throw FieldError(
        flag: "--out", value: escapedForMessage(folder),
        reason: "holds another study (its study.json's case or grid differ): use another folder")
    }
  }

  /// Writes the tables from the saved runs (study.json is `claim`'s); returns the runs table.
  @discardableResult
  static func write(_ study: Study, to folder: String) throws -> StudyTable {
    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    let saved = Study.saved(in: [folder])
    let tables = study.tables(saved)
    try OutputFile.write(Data(tables.runs.utf8), to: path("runs.csv"), field: "--out")
    try OutputFile.write(Data(tables.latents.utf8), to: path("latents.csv"), field: "--out")
    let table = try StudyTable(csv: tables.runs)
    print(
      "\(study.caseName): \(table.rows.count) of \(study.runs.count) runs saved (\(table.failedCount) failed); wrote \(path("runs.csv")), \(path("latents.csv"))"
    )
    return table
  }

  /// Throws (exit 1) when a saved run failed.
  static func checkFailures(_ table: StudyTable, folder: String) throws {
    guard table.failedCount > 0 else { return }
    throw FieldError(
      field: "study", value: "",
      reason:
        "\(table.failedCount) of \(table.rows.count) runs failed (see \((folder as NSString).appendingPathComponent("runs.csv")))"
    )
  }
}

/// A study's progress on standard error: a line redrawn on a terminal (runs done, failed,
/// the estimated time left), else one plain line a run.
final class StudyProgress: Sendable {
  private let label: String
  private let start = ContinuousClock.now
  private let isTerminal = isatty(STDERR_FILENO) == 1
  private let drawn = Mutex(false)

  init(label: String) { self.label = label }

  /// Shows a finished run (callable from any thread).
  func show(_ f: Study.Finished) {
    drawn.withLock { drawn in
      if isTerminal {
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let left = seconds / Double(f.done) * Double(f.total - f.done)
        let line = "\(label): \(f.done)/\(f.total) runs, \(f.failed) failed, ETA \(Self.duration(left))"
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        drawn = true
      } else {
        let how = f.error.map { "failed: \($0)" } ?? "ok"
        FileHandle.standardError.write(Data("\(label): \(f.run.key) \(how) (\(f.done) of \(f.total))\n".utf8))
      }
    }
  }

  /// Clears the line, if one was drawn.
  func finish() {
    drawn.withLock { drawn in
      if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      drawn = false
    }
  }

  /// `1m 20s`, `45s`.
  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 60 ? "\(s / 60)m \(s % 60)s" : "\(s)s"
  }
}
