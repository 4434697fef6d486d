import CaseFiles
import Foundation
import Reports
import ToyModels

extension Study {
  /// The metric columns of `runs.csv`, after `run`, the varied fields, `seed`, `status`
  /// and `error`: the losses, the hedging mass statistics, SAELens's synthetic metrics
  /// (`SAESyntheticMetrics`, under its names; `absorption_gap` empty without a hierarchy) and
  /// the run's seconds.
  public static let runMetrics = [
    "mse", "l2", "l0", "decoder_hedging_mass_mean", "decoder_hedging_mass_median",
    "decoder_hedging_mass_max", "encoder_hedging_mass_mean", "encoder_hedging_mass_median",
    "encoder_hedging_mass_max",
  ] + StoredReport.Metrics.synthetic.map(\.name) + ["seconds"]

  /// The per-latent columns of `latents.csv`, after `run`, the varied fields and `seed`: the
  /// decoder's and the encoder's reading, then the latent as a detector of its best-matching
  /// feature (SAELens's precision, recall, f1 and accuracy).
  public static let latentColumns = [
    "latent", "decoder_feature", "decoder_cos", "decoder_off_target", "decoder_hedging_mass",
    "encoder_feature", "encoder_cos", "encoder_off_target", "encoder_hedging_mass",
    "precision", "recall", "f1", "accuracy",
  ]

  /// `runs.csv` and `latents.csv` (RFC 4180, `\n` line ends) from the saved runs, in grid
  /// order; runs not saved (or saved with other overrides) are left out.
  ///
  /// Numbers are Swift's shortest round-trip text of the Double; a missing or non-finite
  /// one is an empty cell. A run's hedging mass statistics are over its latents: the mean,
  /// the median (the mean of the two middle values for an even count) and the maximum.
  public func tables(_ saved: [String: Outcome]) -> (runs: String, latents: String) {
    let fields = axes.map(\.field.description)
    var runsCSV = Self.row(["run"] + fields + ["seed", "status", "error"] + Self.runMetrics)
    var latentsCSV = Self.row(["run"] + fields + ["seed"] + Self.latentColumns)
    for run in runs {
      guard let outcome = saved[run.key], outcome.overrides == Self.overrideMap(run) else {
        continue
      }
      let lead = [run.key] + run.values + ["\(run.seed)"]
      var cells = lead + [outcome.status, outcome.error ?? ""]
      if let r = try? outcome.parts() {
        let decoder = r.decoderLatents.compactMap(\.hedgingMass)
        let encoder = r.encoderLatents.compactMap(\.hedgingMass)
        cells += [r.metrics.mse, r.metrics.l2, r.metrics.l0].map(Self.number)
        cells += [Self.mean(decoder), Self.median(decoder), decoder.max()].map(Self.number)
        cells += [Self.mean(encoder), Self.median(encoder), encoder.max()].map(Self.number)
        cells += StoredReport.Metrics.synthetic.map { Self.number(r.metrics[keyPath: $0.value]) }
        cells.append(Self.number(r.timing.seconds))
        for (d, e) in zip(r.decoderLatents, r.encoderLatents) {
          var row = lead + ["\(d.latent)"]
          for l in [d, e] {
            row += [l.tracks, Self.number(l.cos), Self.number(l.offTarget), Self.number(l.hedgingMass)]
          }
          row += [d.precision, d.recall, d.f1, d.accuracy].map(Self.number)
          latentsCSV += Self.row(row)
        }
      } else {
        cells += Array(repeating: "", count: Self.runMetrics.count)
      }
      runsCSV += Self.row(cells)
    }
    return (runsCSV, latentsCSV)
  }

  /// x / n summed; nil for none.
  static func mean(_ x: [Double]) -> Double? {
    x.isEmpty ? nil : x.reduce(0, +) / Double(x.count)
  }

  /// The middle value of the sorted values, or the mean of the two middle ones; nil for none.
  static func median(_ x: [Double]) -> Double? {
    guard !x.isEmpty else { return nil }
    let s = x.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
  }

  /// A cell: the shortest round-trip text, empty when nil or not finite.
  static func number(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "" }
    return "\(x == 0 ? 0 : x)"
  }

  /// One CSV line: a cell with a comma, a quote or a line end is quoted, quotes doubled.
  static func row(_ cells: [String]) -> String {
    cells.map { cell in
      cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
    }.joined(separator: ",") + "\n"
  }

  /// What `study.json` holds: the case as read, the grid and the tool's version.
  public struct Description: Codable, Sendable {
    public struct Vary: Codable, Sendable, Hashable {
      public var field: String
      public var values: [String]
    }
    public var `case`: ExactJSON
    public var caseName: String
    /// `--set`'s fields, set in every run; nil when none.
    public var overrides: [String: ExactJSON]?
    public var vary: [Vary]
    public var seeds: [UInt64]
    public var runs: Int
    public var version: String

    enum CodingKeys: String, CodingKey {
      case `case`, caseName = "case_name", overrides, vary, seeds, runs, version
    }
  }

  /// The study as `study.json` describes it.
  /// - Throws: `FieldError` when the case file is not JSON.
  public func description(version: String) throws -> Description {
    let json: ExactJSON
    do {
      json = try JSONDecoder().decode(ExactJSON.self, from: caseJSON)
    } catch {
      throw FieldError(field: "case file", value: "", reason: "is not valid JSON")
    }
    return Description(
      case: json, caseName: caseName,
      overrides: fixed.isEmpty
        ? nil : Dictionary(fixed.map { ($0.path.description, $0.value) }) { _, last in last },
      vary: axes.map { Description.Vary(field: $0.field.description, values: $0.values) },
      seeds: seeds, runs: runs.count, version: version)
  }

  /// The study `study.json` describes.
  /// - Throws: `FieldError` naming the field that is not as `description` writes it.
  public init(_ d: Description, samples: Int = 100_000) throws {
    let axes = try d.vary.map { v in
      guard let path = FieldPath(parsing: v.field) else {
        throw FieldError(field: "study.json: vary", value: v.field, reason: "is not a field path")
      }
      return Axis(field: path, values: v.values)
    }
    let fixed = try (d.overrides ?? [:]).keys.sorted().map { field in
      guard let path = FieldPath(parsing: field) else {
        throw FieldError(field: "study.json: overrides", value: field, reason: "is not a field path")
      }
      return FieldOverride(path: path, value: d.overrides![field]!)
    }
    self.init(
      caseJSON: try ReportJSON.data(d.case), caseName: d.caseName, fixed: fixed, axes: axes,
      seeds: d.seeds, samples: samples)
  }
}
