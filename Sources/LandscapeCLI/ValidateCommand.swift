import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import Studies

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract:
      "Train each case as its train block says; check the trained t (or the SAE case's expectations).",
    discussion: """
      The analytic minimum is the one the same loss should reach: for MSE the global \
      MSE minimum; for L2 the L2 minimum whose basin holds the initial t; for snap the \
      L2 minimum whose basin holds the global MSE minimum. With learned biases the \
      analytic case has the optimal decoder bias. A case passes when |trained t - \
      analytic t| is within its tolerance. An SAE case (an sae block) is trained as its \
      train block says and passes when every quantity of its expect list lies within its \
      bounds. The command fails when any case fails. Without arguments, every *.json in \
      --cases that has a train block or an expect list.

      Examples:
        landscape validate cases/train-mse-hedges.json
        landscape validate --cases cases
      """)

  @Argument(
    help:
      "Case files with a train block or an expect list (default: every *.json in --cases that has one)."
  )
  var caseFiles: [String] = []

  @Option(help: "The folder searched when no case file is given.")
  var cases = "cases"

  @OptionGroup var set: SetOptions

  func run() throws {
    let files = caseFiles.isEmpty ? try LandscapeCLI.caseFiles(in: cases) : caseFiles
    let overrides = try set.overrides()
    let documents = try files.map {
      (file: $0, document: try CaseDocument.load(contentsOf: $0, overrides: overrides))
    }
    let studies = try files.compactMap { try CaseStudy.load(contentsOf: $0, overrides: overrides) }
    let validation = Validation(
      documents: documents, named: !caseFiles.isEmpty, studies: studies,
      jobs: ProcessInfo.processInfo.activeProcessorCount)
    let report = try withTerminalProgress { try validation.run($0, folder: cases) }
    print(report.text, terminator: "")
    if let failure = report.failure { throw failure }
  }
}
