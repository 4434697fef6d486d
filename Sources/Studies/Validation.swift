import Foundation
import CaseFiles
import Landscape
import Reports
import SparseAutoencoders
import Training
import ToyModels

/// Validating cases: each single-latent case trained as its train block says and checked
/// against the analytic minimum; each SAE case's expectations (of its trained SAE, growth,
/// ensemble and balance sweep) checked. What `landscape validate` runs.
public struct Validation: Sendable {
  /// The case documents, in order, with the files they came from.
  public var documents: [(file: String, document: CaseDocument)]
  /// True when the cases were named one by one: a case with nothing to check is then an
  /// error, not skipped.
  public var named: Bool
  /// The case files' study blocks: a block's `expect` list is checked on its study's runs.
  public var studies: [CaseStudy]
  /// Runs of a study at once, >= 1.
  public var jobs: Int

  public init(
    documents: [(file: String, document: CaseDocument)], named: Bool, studies: [CaseStudy] = [],
    jobs: Int = 1
  ) {
    self.documents = documents
    self.named = named
    self.studies = studies
    self.jobs = jobs
  }

  /// Whether an SAE case has anything to check.
  static func hasExpectations(_ s: SAECase) -> Bool {
    !s.expectations.isEmpty || !(s.growth?.expectations.isEmpty ?? true)
      || s.ensemble?.expectations.isEmpty == false
      || s.balanceSweep?.expectations.isEmpty == false
  }

  /// Trains and checks every case.
  /// - Throws: `FieldError` naming a named case with nothing to check, or a folder with no
  ///   case to check (`field` names it); the runs' errors; `CancellationError`.
  public func run(_ control: RunControl = .none, folder: String = "cases") throws
    -> ValidationReport
  {
    var sources: [(LatentCase, LatentTrainingPlan)] = []
    var studies: [SAECase] = []
    var skipped: [String] = []
    let checkedStudies = self.studies.filter { !$0.block.expectations.isEmpty }
    for (file, document) in documents {
      switch document {
      case .latent(let c, let plan?): sources.append((c, plan))
      case .sae(let s) where Self.hasExpectations(s): studies.append(s)
      case .sae(let s) where checkedStudies.contains(where: { $0.name == s.name }): break
      default:
        if named {
          throw FieldError(
            field: "\(file): \(document.isSAE ? "expect" : "train")", value: "",
            reason:
              "is required to validate (the case has no \(document.isSAE ? "expect list, nor a study block with one" : "train block"))"
          )
        }
        skipped.append(document.name)
      }
    }
    if sources.isEmpty && studies.isEmpty && checkedStudies.isEmpty {
      throw FieldError(
        flag: "--cases", value: folder,
        reason: "holds no case file with a train block or an expect list")
    }
    var report = ValidationReport(skipped: skipped)
    for (c, plan) in sources {
      try control.checkCancellation()
      let label = "training \(c.name)"
      let check = try LatentTrainingCheck(
        c, plan: plan, progress: { control.report($0.step, of: plan.sae.steps, label) })
      report.latentChecks.append((c, check))
    }
    for saeCase in studies {
      var found: [SAEReport.Check] = []
      if !saeCase.expectations.isEmpty {
        let trained = try SAECaseTraining(saeCase: saeCase, plan: saeCase.plan).run(control)
        found += trained.report.report.checks
      }
      if let growth = saeCase.growth, !growth.expectations.isEmpty {
        let grown = try GrowthRuns(saeCase: saeCase, growth: growth, plan: saeCase.plan)
          .run(control, label: "growing \(saeCase.name)")
        found += growth.expectations.map { $0.check(grown.runs) }
      }
      if let spec = saeCase.ensemble, !spec.expectations.isEmpty, let run = EnsembleRun(saeCase) {
        found += try run.run(control).checks(spec)
      }
      found += try BalanceSweepRun.checks(saeCase, control)
      report.saeChecks.append((saeCase.name, found))
    }
    for caseStudy in checkedStudies {
      let table = try caseStudy.table(jobs: jobs, control)
      report.saeChecks.append(
        ("\(caseStudy.name) (study)", caseStudy.block.expectations.map { $0.check(table) }))
    }
    return report
  }
}

/// What `validate` found: each single-latent case's training check and each SAE case's checks.
public struct ValidationReport: Sendable {
  public var latentChecks: [(LatentCase, LatentTrainingCheck)] = []
  public var saeChecks: [(name: String, checks: [SAEReport.Check])] = []
  /// The cases with nothing to check, by name.
  public var skipped: [String]

  public init(skipped: [String] = []) { self.skipped = skipped }

  /// The names of the cases that failed, single-latent ones first.
  public var failed: [String] {
    latentChecks.filter { !$0.1.passed }.map(\.0.name)
      + saeChecks.filter { !$0.checks.allSatisfy(\.holds) }.map(\.name)
  }

  /// The error `validate` ends with when a case failed; nil when every case passed.
  public var failure: FieldError? {
    let failed = failed
    guard !failed.isEmpty else { return nil }
    let total = latentChecks.count + saeChecks.count
    return FieldError(
      field: "validate", value: "",
      reason: "\(failed.count) of \(total) cases failed: \(failed.joined(separator: ", "))")
  }

  /// The tables: the single-latent checks with their reasons, the SAE checks, the skipped.
  public var text: String {
    var out = ""
    if !latentChecks.isEmpty { out += Self.latentTable(latentChecks) }
    if !saeChecks.isEmpty {
      if !latentChecks.isEmpty { out += "\n" }
      out += Self.saeTable(saeChecks)
    }
    if !skipped.isEmpty {
      out += "skipped (no train block or expect list): \(skipped.joined(separator: ", "))\n"
    }
    return out
  }

  /// One line per expectation of each SAE case: the value found, the bounds, the verdict.
  static func saeTable(_ reports: [(name: String, checks: [SAEReport.Check])]) -> String {
    var table = TextTable(header: ["case", "quantity", "value", "expected", "verdict"])
    for r in reports {
      for (i, c) in r.checks.enumerated() {
        table.append([
          i == 0 ? r.name : "", c.quantity, TextTable.decimal(c.value),
          c.bounds, c.holds ? "pass" : "FAIL",
        ])
      }
    }
    return table.text
  }

  /// One line per single-latent case: analytic and trained t, their difference, the
  /// verdict; then why each analytic t is the one the training should reach.
  static func latentTable(_ checks: [(LatentCase, LatentTrainingCheck)]) -> String {
    var table = TextTable(header: [
      "case", "loss", "analytic t", "trained t", "difference", "tolerance", "verdict",
    ])
    for (c, check) in checks {
      table.append([
        c.name, check.plan.sae.loss.rawValue,
        fixed(check.target.minimum.t), fixed(check.result.t), fixed(check.difference),
        "\(check.tolerance)", check.passed ? "pass" : "FAIL",
      ])
    }
    var out = table.text + "\n"
    for (c, check) in checks {
      out += "\(c.name): analytic t is the \(check.target.reason)"
      if let b = check.result.decoderBias {
        out +=
          "; trained decoder bias "
          + zip(c.features, b).map { "\($0) \(fixed($1))" }.joined(separator: ", ")
      }
      out += ".\n"
      if let expectation = check.plan.expectation { out += "  expect: \(expectation)\n" }
    }
    return out
  }

  /// t to 6 decimals, minus zero shown as 0.
  static func fixed(_ x: Double) -> String { TextTable.decimal(x, places: 6) }
}
