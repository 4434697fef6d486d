import CaseFiles
import Foundation
import Landscape
import Reports
import SparseAutoencoders
import Synchronization
import ToyModels

/// A study: one SAE case trained over the Cartesian product of some varied fields, times
/// some seeds, each run saved under a folder as it ends and the tables rebuilt from them.
///
/// A run is the case with one grid point's `--set` overrides applied and `train.seed` set to
/// its seed, trained as `landscape train CASE --set ... --json` trains it (`SAECaseTraining`).
/// Runs go in grid order, the first varied field slowest and the seed fastest; run `k` of
/// grid point `i` and seed `s` is keyed `i<i>-s<s>`.
public struct Study: Sendable {
  /// One varied field and the values it takes, as decimal text (`0.25`, `8`).
  public struct Axis: Sendable, Hashable {
    public var field: FieldPath
    public var values: [String]

    public init(field: FieldPath, values: [String]) {
      self.field = field
      self.values = values
    }

    /// `FIELD=SPEC` as `--vary` takes it: SPEC a grid `A:B:N` (N >= 1 evenly spaced numbers
    /// from A to B, as decimals: `decimalGridPoint`), a list `a,b,c`, or one value. A value
    /// is JSON when it parses, else a string (as `--set` reads it).
    /// - Throws: `FieldError` (usage) naming `flag`.
    public init(parsing argument: String, flag: String = "--vary") throws {
      guard let equals = argument.firstIndex(of: "=") else {
        throw FieldError(
          flag: flag, value: "'\(escapedForMessage(argument, limit: 60))'",
          reason: "is not FIELD=SPEC (SPEC: A:B:N or a,b,c)")
      }
      try self.init(
        field: String(argument[..<equals]), spec: String(argument[argument.index(after: equals)...]),
        flag: flag)
    }

    /// The field `field` over `spec` (see `init(parsing:)`).
    public init(field: String, spec: String, flag: String = "--vary") throws {
      guard let path = FieldPath(parsing: field) else {
        throw FieldError(
          flag: flag, value: "'\(escapedForMessage(field, limit: 60))'", reason: "is not a field path")
      }
      let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
      let values: [String]
      if parts.count == 3 {
        guard let n = Int(parts[2]), (1...10_000).contains(n),
          let first = decimalGridPoint(0, of: n, from: parts[0], to: parts[1])
        else {
          throw FieldError(
            flag: flag, value: "\"\(escapedForMessage(spec, limit: 60))\"",
            reason: "is not a grid A:B:N (A, B finite numbers, N in 1...10000)")
        }
        values = [first] + (1..<n).map { decimalGridPoint($0, of: n, from: parts[0], to: parts[1])! }
      } else {
        values = spec.split(separator: ",", omittingEmptySubsequences: false).map {
          $0.trimmingCharacters(in: .whitespaces)
        }
        guard !values.contains(where: \.isEmpty) else {
          throw FieldError(
            flag: flag, value: "\"\(escapedForMessage(spec, limit: 60))\"",
            reason: "has an empty value")
        }
      }
      self.init(field: path, values: values)
    }
  }

  /// One run: its key, its grid point's values (one per axis) and its seed.
  public struct Run: Sendable, Hashable {
    public var index: Int
    public var key: String
    public var values: [String]
    public var seed: UInt64
    /// The overrides that make the run's case: the fixed ones, each axis's value, then
    /// `train.seed`.
    public var overrides: [FieldOverride]
  }

  /// The case file's bytes, read by every run with its overrides.
  public var caseJSON: Data
  /// The default case name (the file's base name).
  public var caseName: String
  /// Fields set in every run (`--set`), before the axes' values.
  public var fixed: [FieldOverride]
  public var axes: [Axis]
  /// At least one, each in 0...4294967295.
  public var seeds: [UInt64]
  /// Correlated toys: the samples of each run's final losses' estimate (as `train --samples`).
  public var samples: Int

  public init(
    caseJSON: Data, caseName: String, fixed: [FieldOverride] = [], axes: [Axis], seeds: [UInt64],
    samples: Int = 100_000
  ) {
    self.caseJSON = caseJSON
    self.caseName = caseName
    self.fixed = fixed
    self.axes = axes
    self.seeds = seeds
    self.samples = samples
  }

  /// Every run, in grid order.
  public var runs: [Run] {
    var points: [[String]] = [[]]
    for axis in axes {
      points = points.flatMap { point in axis.values.map { point + [$0] } }
    }
    var runs: [Run] = []
    for (i, point) in points.enumerated() {
      for seed in seeds {
        var overrides = fixed
        overrides += zip(axes, point).map { axis, text in
          FieldOverride(path: axis.field, value: FieldOverride.value(text))
        }
        overrides.append(FieldOverride(path: "train.seed", value: .integer(Int64(seed))))
        runs.append(
          Run(index: runs.count, key: "i\(i)-s\(seed)", values: point, seed: seed, overrides: overrides))
      }
    }
    return runs
  }

  /// The case as read with the fixed overrides: an SAE case, and every axis names a field
  /// its reader allows (checked with the axis's first value) other than `train.seed`.
  /// - Throws: `FieldError`: not an SAE case (input), an unknown field (usage).
  public func check() throws -> SAECase {
    guard
      case .sae(let saeCase) = try CaseDocument(
        json: caseJSON, defaultName: caseName, overrides: fixed)
    else {
      throw FieldError(
        field: "case", value: caseName,
        reason:
          "is a single-latent case: a study runs SAE cases (a case file with an sae block) only")
    }
    for axis in axes {
      if axis.field == "train.seed" {
        throw FieldError(
          flag: "--vary", value: "train.seed", reason: "is each run's seed: give the seeds as --seeds")
      }
      do {
        _ = try CaseDocument(
          json: caseJSON, defaultName: caseName,
          overrides: fixed + [
            FieldOverride(path: axis.field, value: FieldOverride.value(axis.values[0]))
          ])
      } catch let e as FieldError where e.kind == .usage {
        throw e
      } catch {}
    }
    return saeCase
  }

  /// What one run left: the file `runs/<key>.json` holds it.
  public struct Outcome: Codable, Sendable {
    public var run: String
    public var overrides: [String: ExactJSON]
    /// `ok` or `failed`.
    public var status: String
    /// The one-line message of a failed run.
    public var error: String?
    /// What `train --json` prints for the run's case (ok runs): the whole report.
    public var report: ExactJSON?

    /// The parts of `report` the tables take; nil for a failed run.
    public func parts() throws -> StoredReport? {
      try report.map { try JSONDecoder().decode(StoredReport.self, from: ReportJSON.data($0)) }
    }
  }

  /// The parts of a stored `SAETrainingReport` the tables take.
  public struct StoredReport: Codable, Sendable {
    public struct Metrics: Codable, Sendable {
      public var mse: Double?
      public var l2: Double?
      public var l0: Double?
      public var mcc: Double?
      public var uniqueness: Double?
      public var explainedVariance: Double?
      public var shrinkage: Double?
      public var deadLatents: Double?
      public var trueL0: Double?
      public var precision: Double?
      public var recall: Double?
      public var f1: Double?
      public var accuracy: Double?
      public var absorptionGap: Double?
      enum CodingKeys: String, CodingKey {
        case mse, l2, l0, mcc, uniqueness, explainedVariance = "explained_variance", shrinkage
        case deadLatents = "dead_latents", trueL0 = "true_l0", precision, recall, f1, accuracy
        case absorptionGap = "absorption_gap"
      }

      /// SAELens's synthetic metrics by their JSON (and column) names, in column order.
      public static var synthetic: [(name: String, value: KeyPath<Metrics, Double?>)] { [
        ("mcc", \.mcc), ("uniqueness", \.uniqueness), ("explained_variance", \.explainedVariance),
        ("shrinkage", \.shrinkage), ("dead_latents", \.deadLatents), ("true_l0", \.trueL0),
        ("precision", \.precision), ("recall", \.recall), ("f1", \.f1),
        ("accuracy", \.accuracy), ("absorption_gap", \.absorptionGap),
      ] }
    }
    public struct Latent: Codable, Sendable {
      public var latent: Int
      public var tracks: String
      public var cos: Double?
      public var offTarget: Double?
      public var hedgingMass: Double?
      /// SAELens's reading of a decoder latent as a detector of its best-matching feature
      /// (nil for an encoder latent).
      public var precision: Double?
      public var recall: Double?
      public var f1: Double?
      public var accuracy: Double?
      enum CodingKeys: String, CodingKey {
        case latent, tracks, cos, offTarget = "off_target", hedgingMass = "hedging_mass"
        case precision, recall, f1, accuracy
      }
    }
    public struct Timing: Codable, Sendable { public var seconds: Double? }
    public var metrics: Metrics
    public var decoderLatents: [Latent]
    public var encoderLatents: [Latent]
    public var timing: Timing
    enum CodingKeys: String, CodingKey {
      case metrics, decoderLatents = "decoder_latents", encoderLatents = "encoder_latents", timing
    }
  }

  /// A run as it ended, for a progress display.
  public struct Finished: Sendable {
    public var run: Run
    /// Nil when it succeeded.
    public var error: String?
    /// Runs of this invocation finished so far (this one included), and failed among them.
    public var done: Int
    public var failed: Int
    /// Runs this invocation runs (the selected runs not already saved).
    public var total: Int
  }

  /// Runs every selected run not already saved (with the same overrides) under
  /// `folder/runs`, `jobs` at a time, saving each as it ends (atomically: a temporary file renamed).
  ///
  /// - Parameters:
  ///   - folder: the study's folder; `runs/` is created in it.
  ///   - selection: the run indices to run (a shard); nil: all.
  ///   - jobs: runs at once, >= 1; the results do not depend on it.
  ///   - finished: called as each run ends (from any thread).
  /// - Throws: `CancellationError` when cancelled (saved runs stay); `FieldError` (output)
  ///   when a run cannot be saved.
  public func run(
    in folder: String, selection: Range<Int>? = nil, jobs: Int = 1, _ control: RunControl = .none,
    finished: @escaping @Sendable (Finished) -> Void = { _ in }
  ) throws {
    let runsFolder = (folder as NSString).appendingPathComponent("runs")
    do {
      try FileManager.default.createDirectory(atPath: runsFolder, withIntermediateDirectories: true)
    } catch {
      throw FieldError(
        field: "--out", value: escapedForMessage(folder), reason: "cannot be created", kind: .output)
    }
    let all = runs
    let selected = selection.map { Array(all[$0.clamped(to: all.indices)]) } ?? all
    let saved = Self.saved(in: [folder])
    let pending = selected.filter { run in saved[run.key]?.overrides != Self.overrideMap(run) }
    let next = Mutex((index: 0, done: 0, failed: 0))
    let failure = Mutex<Error?>(nil)
    let inner = RunControl(isCancelled: control.isCancelled)
    // A run draws its batches on a second thread only when there is a core to spare for it.
    let drawsAhead = 2 * max(1, jobs) <= ProcessInfo.processInfo.activeProcessorCount
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, pending.count))) { _ in
      while true {
        guard failure.withLock({ $0 == nil }), !control.isCancelled() else { return }
        let i = next.withLock { n -> Int in
          defer { n.index += 1 }
          return n.index
        }
        guard i < pending.count else { return }
        let run = pending[i]
        do {
          let outcome = try execute(run, inner, drawsAhead: drawsAhead)
          try Self.save(outcome, in: runsFolder)
          let (done, failed) = next.withLock { n in
            n.done += 1
            if outcome.status != "ok" { n.failed += 1 }
            return (n.done, n.failed)
          }
          finished(
            Finished(
              run: run, error: outcome.error, done: done, failed: failed, total: pending.count))
        } catch {
          failure.withLock { if $0 == nil { $0 = error } }
        }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    try control.checkCancellation()
  }

  /// Trains one run's case; a run whose case or training fails is an outcome too.
  /// - Throws: `CancellationError` only.
  /// - Parameter drawsAhead: `SAETrainingPlan.drawsAhead` for the run.
  public func execute(_ run: Run, _ control: RunControl = .none, drawsAhead: Bool = true) throws
    -> Outcome
  {
    var outcome = Outcome(
      run: run.key, overrides: Self.overrideMap(run), status: "ok", error: nil, report: nil)
    do {
      guard
        case .sae(let saeCase) = try CaseDocument(
          json: caseJSON, defaultName: caseName, overrides: run.overrides)
      else {
        throw FieldError(field: "sae", value: "", reason: "is required: a study runs SAE cases")
      }
      var plan = saeCase.plan
      plan.drawsAhead = drawsAhead
      let trained = try SAECaseTraining(saeCase: saeCase, plan: plan, samples: samples)
        .run(control)
      outcome.report = try JSONDecoder().decode(
        ExactJSON.self, from: ReportJSON.data(trained.report))
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      outcome.status = "failed"
      outcome.error = String("\(error)".split(separator: "\n").first ?? "")
    }
    return outcome
  }

  /// The run's overrides as its saved file records them: path to value.
  static func overrideMap(_ run: Run) -> [String: ExactJSON] {
    Dictionary(run.overrides.map { ($0.path.description, $0.value) }) { _, last in last }
  }

  /// Writes `runs/<key>.json` through a temporary file in the same folder (`writeAtomically`).
  public static func save(_ outcome: Outcome, in runsFolder: String) throws {
    let path = (runsFolder as NSString).appendingPathComponent("\(outcome.run).json")
    let data: Data
    do {
      data = try ReportJSON.data(outcome) + [UInt8(ascii: "\n")]
    } catch {
      throw FieldError(
        field: "--out", value: escapedForMessage(path), reason: "cannot be written", kind: .output)
    }
    try writeAtomically(data, to: path)
  }

  /// The saved runs under each folder's `runs/`, by key (the first folder's where several have one).
  public static func saved(in folders: [String]) -> [String: Outcome] {
    var outcomes: [String: Outcome] = [:]
    for folder in folders {
      let runsFolder = (folder as NSString).appendingPathComponent("runs")
      let names = (try? FileManager.default.contentsOfDirectory(atPath: runsFolder)) ?? []
      for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
        let path = (runsFolder as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path),
          let outcome = try? JSONDecoder().decode(Outcome.self, from: data),
          outcome.report == nil || (try? outcome.parts()) != nil,
          outcome.run + ".json" == name, outcomes[outcome.run] == nil
        else { continue }
        outcomes[outcome.run] = outcome
      }
    }
    return outcomes
  }
}
