import ArgumentParser
import CaseFiles
import Reports
import SparseAutoencoders
import Studies
import ToyModels

/// `landscape certify`: whether an SAE is a strict local minimum of a case's exact loss.
struct CertifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "certify",
    abstract: "Certify an SAE on an SAE case's exact loss: local minimum, degenerate or saddle.",
    discussion: """
      On an enumerable toy (patterns or hierarchy) the expected loss and its gradient are \
      exact. certify reports, at the SAE of the file (what `train --save` writes, decoder \
      rows unit-norm): the gradient's norm in the tangent space of the decoder-norm \
      constraint, the smallest and largest eigenvalues of the Hessian there (central \
      differences of the exact gradient, exact within the smooth piece), the piece's margin \
      (the smallest |pre-activation| over the patterns: how far the piece reaches), the dead \
      latents, and a verdict: strict local minimum, degenerate (flat directions: a symmetry \
      such as a dead latent), saddle (with a descent direction as feature weights) or not \
      stationary. The loss, L1 and trained biases are the case's train block's.

      Examples:
        landscape train cases/sae-untied-hierarchy.json --optimizer lbfgs --save sae.json
        landscape certify cases/sae-untied-hierarchy.json --sae sae.json
      """)

  @Argument(help: "An SAE case file (JSON) with an enumerable toy.")
  var caseFile: String

  @OptionGroup var set: SetOptions

  @Option(help: ArgumentHelp("The SAE file (JSON).", valueName: "SAE.json"))
  var sae: String

  @Flag(help: "Print JSON: case, loss, certificate.")
  var json = false

  func run() throws {
    guard case .sae(let saeCase) = try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides()) else {
      throw FieldError(
        field: "case", value: escapedForMessage(caseFile),
        reason: "is a single-latent case: certify needs an SAE case (an sae block)")
    }
    let file = try SAEFiles.read(sae, field: "--sae", features: saeCase.features)
    let report = try SAECertification(saeCase: saeCase, sae: file.sae).run()
    print(json ? try ReportJSON.string(report) + "\n" : report.text, terminator: "")
  }
}
