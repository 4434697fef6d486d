import ArgumentParser
import CaseFiles
import Foundation
import Landscape

/// A case, from a file or from the hierarchy shorthand (or the paper's form).
struct CaseOptions: ParsableArguments {
  @Argument(help: "A case file (JSON). Omit it to use the hierarchy shorthand (--p0, --p01, ...).")
  var caseFile: String?

  @OptionGroup var probabilities: ProbabilityOptions

  @OptionGroup var model: ModelOptions

  @OptionGroup var set: SetOptions

  func validate() throws {
    if caseFile == nil && !set.texts.isEmpty {
      throw ValidationError("--set: needs a case file")
    }
    // The other combinations are refused by `CaseParameters`, in the server's words.
    if caseFile == nil && !model.usesPaperForm {
      guard probabilities.p0 != nil, probabilities.p01 != nil else {
        throw ValidationError("Give a case file, or the hierarchy shorthand --p0 P --p01 P.")
      }
    }
  }

  /// The flags as the library's parameters, each parsed by its `CaseParameters.table` entry.
  func parameters() throws -> CaseParameters { try model.parameters(probabilities) }

  /// The case these options describe, validated; file settings overridden by flags.
  func resolve() throws -> LatentCase {
    let parameters = try parameters()
    if let caseFile {
      return try parameters.applied(
        to: LatentCase.load(contentsOf: caseFile, overrides: set.overrides()))
    }
    return try parameters.hierarchy()
  }
}

/// The hierarchy shorthand's probabilities, as given (parsed by `CaseParameters.table`).
struct ProbabilityOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "p0"))
  var p0: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "p01"))
  var p01: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "p1"))
  var p1: String?

  var isGiven: Bool { p0 != nil || p01 != nil || p1 != nil }
}

/// The settings of the model shared by every way of giving a case: the paper's form, the
/// hierarchy's magnitudes, and the penalty, bias and t range (which override a case file's).
/// Each flag's help, parsing and errors are its `CaseParameters.table` entry's.
struct ModelOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "p-parent"))
  var pParent: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "p-child-if-parent"))
  var pChildIfParent: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "p-child-if-no-parent"))
  var pChildIfNoParent: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "parent-magnitude"))
  var parentMagnitude: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "child-magnitude"))
  var childMagnitude: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "l1"))
  var l1: String?

  @Option(help: ArgumentHelp(parameter: "bias"))
  var bias: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "t-min"))
  var tMin: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(parameter: "t-max"))
  var tMax: String?

  var usesPaperForm: Bool { pParent != nil || pChildIfParent != nil || pChildIfNoParent != nil }

  /// The flags (and the shorthand's probabilities) as the library's parameters, each parsed
  /// by its `CaseParameters.table` entry, as the server parses its query.
  func parameters(_ probabilities: ProbabilityOptions? = nil) throws -> CaseParameters {
    try CaseParameters(texts: [
      ("p0", probabilities?.p0), ("p01", probabilities?.p01), ("p1", probabilities?.p1),
      ("p-parent", pParent), ("p-child-if-parent", pChildIfParent),
      ("p-child-if-no-parent", pChildIfNoParent), ("parent-magnitude", parentMagnitude),
      ("child-magnitude", childMagnitude), ("l1", l1), ("bias", bias), ("t-min", tMin),
      ("t-max", tMax),
    ])
  }
}

extension ArgumentHelp {
  /// The help of the `CaseParameters.table` entry named `name`.
  init(parameter name: String) {
    let parameter = CaseParameters.parameter(name)!
    self.init(parameter.help, valueName: parameter.valueName)
  }
}
