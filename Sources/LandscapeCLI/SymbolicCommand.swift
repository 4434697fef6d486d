import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import Symbolic
import ToyModels

struct SymbolicCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "symbolic",
    abstract:
      "The exact derivation with the pattern probabilities as symbols: MSE pieces, stationarity, L2 regimes.",
    discussion: """
      Each pattern probability is a symbol named after its pattern (p0, p01, ...); \
      magnitudes and path ends are read as the exact decimals written. Per relu piece: \
      MSE = N(t)/D(t), the stationarity polynomial N'D - N D' scaled to integer weights \
      with no common factor and a positive first weight (the same roots; a negative \
      scale is accounted for in the minimising root), its discriminant and the \
      minimising root. For L2: each cusp and range end, when it is a local minimum, \
      and which is lower, as linear inequalities solved for one probability \
      (for positive probabilities). With the optimal bias the MSE coefficients are \
      quadratic in the probabilities and L2 is not derived. A penalty is out of scope: \
      an error naming the field, or with --json an object with "supported": false.

      Examples:
        landscape symbolic --p0 0.3 --p01 0.1
        landscape symbolic cases/unequal-magnitudes.json --latex
        landscape symbolic --p0 0.2 --p01 0.05 --json
      """)

  @OptionGroup var source: CaseOptions

  @Flag(help: "Print a LaTeX align environment instead of plain text.")
  var latex = false

  @Flag(help: "Print JSON: linear forms as objects from symbol to exact rational strings.")
  var json = false

  func validate() throws {
    if latex && json { throw ValidationError("Give --latex or --json, not both.") }
  }

  func run() throws {
    let c = try source.resolve()
    let derivation: SymbolicLandscape
    do {
      derivation = try SymbolicLandscape(c)
    } catch let error as FieldError {
      let named = try source.parameters().named(error, fromCaseFile: source.caseFile != nil)
      if json {
        print(SymbolicLandscape.unsupportedJSON(name: c.name, error: named), terminator: "")
        return
      }
      throw named
    }
    let text =
      json
      ? derivation.json()
      : (latex ? derivation.latex(title: c.title) : derivation.plainText(title: c.title))
    print(text, terminator: "")
  }
}
