import Foundation
import CaseFiles
import Reports
import SparseAutoencoders
import ToyModels

/// A case file's `study` block: the grid a study runs by default, the figures `reproduce`
/// draws from it and the checks `validate` makes of it.
///
///     "study": {"vary": {"sae.latents": "2:10:9"}, "seeds": [1, 2, 3],
///       "plot": [{"x": "sae.latents", "y": "decoder_hedging_mass_median",
///                 "hue": "correlated.correlation.strength"}],
///       "expect": [{"quantity": "decoder_hedging_mass_median",
///                   "at": {"sae.latents": 10, "correlated.correlation.strength": 0.5},
///                   "min": 0.2, "why": "..."}]}
public struct StudyBlock: Sendable, Hashable {
  /// The varied fields, in the order of their paths.
  public var axes: [Study.Axis]
  /// The seeds; nil when the block gives none (then the case's own train.seed).
  public var seeds: [UInt64]?
  /// The figures `reproduce` draws, in order.
  public var plots: [Plot]
  /// The checks `validate` makes.
  public var expectations: [Expectation]

  /// One figure of the study's runs table, as `landscape plot` draws it.
  public struct Plot: Sendable, Hashable {
    /// The figure's file is `<case>-<name>`, or `<case>` without a name.
    public var name: String?
    /// `landscape plot`'s `--x`, `--y`, `--hue`, `--color`, `--title`.
    public var x: String
    public var y: String
    public var hue: String?
    public var color: String?
    public var title: String?

    /// The figure's file name (without extension) for the case `caseName`.
    public func fileName(caseName: String) -> String {
      name.map { "\(caseName)-\($0)" } ?? caseName
    }
  }

  /// A bound on a measure of the runs at one grid point.
  ///
  /// value = statistic over the finished runs whose varied fields equal `at` (the seeds, and
  /// the fields `at` leaves out) of the runs table's column `quantity`.
  public struct Expectation: Sendable, Hashable {
    /// A measure of `runs.csv` (`mse`, `decoder_hedging_mass_median`, ...).
    public var quantity: String
    /// Varied fields and the value each takes (a number of the field's grid).
    public var at: [Pair]
    public var statistic: HedgingStatistic
    public var min: Double?
    public var max: Double?
    /// Why the bound holds, in words; shown by `validate`.
    public var why: String?

    public struct Pair: Sendable, Hashable {
      public var field: String
      public var value: Double
    }

    /// What `validate` shows: the quantity, where, and over how many runs.
    func label(runs: Int) -> String {
      let place = at.map { "\($0.field)=\(TextTable.short($0.value))" }.joined(separator: ", ")
      return "\(quantity)\(place.isEmpty ? "" : " at \(place)") (\(statistic.rawValue) of \(runs) run\(runs == 1 ? "" : "s"))"
    }

    /// The check of the runs table: the value, and whether it is within the bounds (false when
    /// no finished run at `at` has a number).
    public func check(_ table: StudyTable) -> SAEReport.Check {
      let columns = at.map { table.index(of: $0.field) }
      var values: [Double] = []
      if let q = table.index(of: quantity), !columns.contains(nil) {
        for row in table.finishedRows
        where zip(columns, at).allSatisfy({ Double(row[$0!]) == $1.value }) {
          if let v = Double(row[q]), v.isFinite { values.append(v) }
        }
      }
      let value = values.isEmpty ? Double.nan : statistic.of(values)
      let holds = !values.isEmpty && (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true)
      return SAEReport.Check(
        quantity: label(runs: values.count), value: value, min: min, max: max, holds: holds)
    }
  }

  /// A case file's `study` block (see the type); nil when the file has none.
  ///
  /// `vary`: field path to SPEC as `--vary` takes it; `seeds`: whole numbers in
  /// 0...4294967295; `plot`: a figure or a list of them (`x`, `y`, `hue` or `color`, `title`,
  /// `name`), each column one of runs.csv's (a varied field, `seed`, or a measure);
  /// `expect`: a list of bounds (`quantity` a measure, `at` varied fields to grid values,
  /// `statistic` mean (default), median, min or max, `min` and/or `max`, `why`).
  /// - Throws: `FieldError` (input) naming the block's field.
  public init?(caseJSON: Data) throws {
    guard let root = try? JSONSerialization.jsonObject(with: caseJSON) as? [String: Any],
      let block = root["study"]
    else { return nil }
    let study = try Self.object(block, "study", known: ["vary", "seeds", "plot", "expect"])
    var axes: [Study.Axis] = []
    if let vary = study["vary"] {
      guard let vary = vary as? [String: Any] else {
        throw FieldError(field: "study.vary", value: "", reason: "is not a JSON object")
      }
      for field in vary.keys.sorted() {
        guard let spec = vary[field] as? String else {
          throw FieldError(
            field: "study.vary.\(escapedForMessage(field))", value: "",
            reason: "is not a string A:B:N or a,b,c")
        }
        do {
          axes.append(try Study.Axis(field: field, spec: spec, flag: "study.vary"))
        } catch let e as FieldError {
          throw e.renamed(e.field, kind: .input)
        }
      }
    }
    self.axes = axes
    if let list = study["seeds"] {
      guard let list = list as? [Any], !list.isEmpty else {
        throw FieldError(field: "study.seeds", value: "", reason: "is not a non-empty list")
      }
      seeds = try list.enumerated().map { i, item in
        guard let seed = Self.number(item).flatMap({ UInt64(exactly: $0) }),
          seed <= UInt64(UInt32.max)
        else {
          throw FieldError(
            field: "study.seeds[\(i)]", value: "\(item)",
            reason: "is not a whole number in 0...4294967295")
        }
        return seed
      }
    } else {
      seeds = nil
    }
    let fields = axes.map(\.field.description)
    let numeric = fields + ["seed"] + Study.runMetrics
    func column(_ o: [String: Any], _ key: String, _ path: String, _ allowed: [String]) throws
      -> String?
    {
      guard let value = o[key] else { return nil }
      guard let name = value as? String, allowed.contains(name) else {
        throw FieldError(
          field: "\(path).\(key)", value: Self.rendered(value),
          reason: "is not a column of runs.csv (\(allowed.joined(separator: ", ")))")
      }
      return name
    }
    let plotList: [Any] = study["plot"].map { ($0 as? [Any]) ?? [$0] } ?? []
    var names: Set<String?> = []
    plots = try plotList.enumerated().map { i, item in
      let path = "study.plot[\(i)]"
      let o = try Self.object(item, path, known: ["name", "x", "y", "hue", "color", "title"])
      guard let x = try column(o, "x", path, numeric) else {
        throw FieldError(field: "\(path).x", value: "", reason: "is required")
      }
      let color = try column(o, "color", path, numeric)
      guard let y = try column(o, "y", path, color == nil ? numeric : fields + ["seed"]) else {
        throw FieldError(field: "\(path).y", value: "", reason: "is required")
      }
      let hue = try column(o, "hue", path, fields + ["seed"])
      if hue != nil && color != nil {
        throw FieldError(
          field: "\(path).hue", value: "", reason: "draws lines; color draws a heat map: give one")
      }
      let name = try Self.text(o, "name", path)
      if let name, name.isEmpty || name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
        throw FieldError(
          field: "\(path).name", value: Self.rendered(name),
          reason: "is not a file name part (letters, digits, '-')")
      }
      guard names.insert(name).inserted else {
        throw FieldError(
          field: "\(path).name", value: Self.rendered(name ?? ""),
          reason: "names another plot's figure too: give each plot its own name")
      }
      return Plot(
        name: name, x: x, y: y, hue: hue, color: color, title: try Self.text(o, "title", path))
    }
    guard let expectList = study["expect"].map({ $0 as? [Any] }) ?? [] else {
      throw FieldError(field: "study.expect", value: "", reason: "is not a list")
    }
    expectations = try expectList.enumerated().map { i, item in
      let path = "study.expect[\(i)]"
      let o = try Self.object(
        item, path, known: ["quantity", "at", "statistic", "min", "max", "why"])
      guard let quantity = try column(o, "quantity", path, Study.runMetrics) else {
        throw FieldError(field: "\(path).quantity", value: "", reason: "is required")
      }
      var at: [Expectation.Pair] = []
      if let given = o["at"] {
        let place = try Self.object(given, "\(path).at", known: fields)
        for field in place.keys.sorted() {
          let axis = axes.first { $0.field.description == field }!
          guard let value = Self.number(place[field]!),
            axis.values.contains(where: { Double($0) == value })
          else {
            throw FieldError(
              field: "\(path).at.\(field)", value: Self.rendered(place[field]!),
              reason: "is not a value of the field's grid (\(axis.values.joined(separator: ", ")))")
          }
          at.append(.init(field: field, value: value))
        }
      }
      let statistic: HedgingStatistic
      if let s = o["statistic"] {
        guard let name = s as? String, let parsed = HedgingStatistic(rawValue: name) else {
          throw FieldError(
            field: "\(path).statistic", value: Self.rendered(s),
            reason: "is not one of mean, median, min, max")
        }
        statistic = parsed
      } else {
        statistic = .mean
      }
      func bound(_ key: String) throws -> Double? {
        guard let v = o[key] else { return nil }
        guard let x = Self.number(v), abs(x) <= 1e9 else {
          throw FieldError(
            field: "\(path).\(key)", value: Self.rendered(v), reason: "is not a number in [-1e9, 1e9]")
        }
        return x
      }
      let (lo, hi) = (try bound("min"), try bound("max"))
      guard lo != nil || hi != nil else {
        throw FieldError(field: "\(path).min", value: "", reason: "or max is required")
      }
      if let lo, let hi, lo > hi {
        throw FieldError(field: "\(path).min", value: "\(lo)", reason: "is above max \(hi)")
      }
      return Expectation(
        quantity: quantity, at: at, statistic: statistic, min: lo, max: hi,
        why: try Self.text(o, "why", path))
    }
  }

  /// A JSON object whose keys are all in `known`.
  static func object(_ value: Any, _ path: String, known: [String]) throws -> [String: Any] {
    guard let o = value as? [String: Any] else {
      throw FieldError(field: path, value: "", reason: "is not a JSON object")
    }
    for key in o.keys.sorted() where !known.contains(key) {
      throw FieldError(
        field: "\(path).\(escapedForMessage(key))", value: "",
        reason: "is not a known field (known: \(known.sorted().joined(separator: ", ")))")
    }
    return o
  }

  /// A JSON number (not a boolean) as a finite Double; nil otherwise.
  static func number(_ value: Any) -> Double? {
    guard let n = value as? NSNumber, String(cString: n.objCType) != "c",
      n.doubleValue.isFinite
    else { return nil }
    return n.doubleValue
  }

  /// A JSON value as a message shows it: a string in quotes, else as it reads.
  static func rendered(_ value: Any) -> String {
    if let s = value as? String { return "\"\(escapedForMessage(s, limit: 60))\"" }
    if let n = value as? NSNumber { return String(cString: n.objCType) == "c" ? (n.boolValue ? "true" : "false") : "\(n)" }
    if value is NSNull { return "null" }
    return value is [Any] ? "a list" : "an object"
  }

  /// An optional string field.
  static func text(_ o: [String: Any], _ key: String, _ path: String) throws -> String? {
    guard let value = o[key] else { return nil }
    guard let s = value as? String else {
      throw FieldError(field: "\(path).\(key)", value: Self.rendered(value), reason: "is not a string")
    }
    return s
  }
}

extension Study {
  /// The study of a case file: `axes` and `seeds` when given, else its study block's (the
  /// seeds: else the case's own train.seed); the case checked (`check()`).
  ///
  /// - Parameters:
  ///   - fixed: `--set` overrides of every run.
  ///   - axes: the varied fields; empty for the block's.
  ///   - seeds: nil for the block's.
  ///   - samples: correlated toys' samples of each run's final losses, in 1...1e9.
  /// - Returns: the study and the case's block (nil when it has none).
  /// - Throws: `FieldError`: no axes at all (usage, naming `--vary`), a bad block, a bad case.
  public static func of(
    caseJSON: Data, caseName: String, fixed: [FieldOverride] = [], axes: [Axis] = [],
    seeds: [UInt64]? = nil, samples: Int = 100_000
  ) throws -> (study: Study, block: StudyBlock?) {
    let block = try StudyBlock(caseJSON: caseJSON)
    let chosen = axes.isEmpty ? block?.axes ?? [] : axes
    guard !chosen.isEmpty else {
      throw FieldError(
        flag: "--vary", value: "", reason: "is required (FIELD=SPEC): the case has no study block")
    }
    var study = Study(
      caseJSON: caseJSON, caseName: caseName, fixed: fixed, axes: chosen, seeds: [], samples: samples)
    let saeCase = try study.check()
    study.seeds = seeds ?? block?.seeds ?? [saeCase.plan.seed]
    return (study, block)
  }

  /// Every run, `jobs` at a time, in a temporary folder removed after; the runs table
  /// (`runs.csv`) as read back. Progress: runs done of all, under `label`.
  /// - Throws: `CancellationError`; `FieldError` when the temporary folder cannot be written.
  public func table(jobs: Int, _ control: RunControl = .none, label: String) throws -> StudyTable {
    let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "landscape-study-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let total = runs.count
    try run(in: folder, jobs: jobs, control) { control.report($0.done, of: total, label) }
    return try StudyTable(csv: tables(Self.saved(in: [folder])).runs)
  }
}

/// A case file with a `study` block: the study its block describes, for `reproduce` (its
/// figures) and `validate` (its checks).
public struct CaseStudy: Sendable {
  /// The case's name (its `name`, else the file's base name).
  public var name: String
  public var study: Study
  public var block: StudyBlock

  /// The study of the case file at `path`, with `overrides` (`--set`) in every run; nil when
  /// the file has no study block.
  /// - Throws: `FieldError` naming the file and the field.
  public static func load(contentsOf path: String, overrides: [FieldOverride] = []) throws
    -> CaseStudy?
  {
    try CaseDocument.reading(path) { data, stem in
      guard try StudyBlock(caseJSON: data) != nil else { return nil }
      let (study, block) = try Study.of(caseJSON: data, caseName: stem, fixed: overrides)
      let name = try CaseDocument(json: data, defaultName: stem, overrides: overrides).name
      return CaseStudy(name: name, study: study, block: block!)
    }
  }

  /// The runs table, every run trained (`jobs` at a time), progress under `study <name>`.
  public func table(jobs: Int, _ control: RunControl) throws -> StudyTable {
    try study.table(jobs: jobs, control, label: "study \(name)")
  }
}
