import ArgumentParser
import Foundation
import Landscape

@main
struct LandscapeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "landscape",
    abstract: "The exact loss landscape of tied single-latent SAEs on correlated features.",
    discussion: """
      A case is a JSON file in cases/ (see README.md), or the two-feature hierarchy \
      given by flags: --p0 P (parent alone) --p01 P (parent and child) [--p1 P (child alone)].
      """,
    subcommands: [
      CurveCommand.self, MinimaCommand.self, SweepCommand.self, SymbolicCommand.self,
      TrainCommand.self,
      ValidateCommand.self, ReproduceCommand.self,
    ])

  /// Runs the command line; errors are one line on stderr, exit 1 (2 for usage errors).
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        print(fullMessage(for: error))
        Foundation.exit(0)
      }
      let usage = code == .validationFailure
      var line = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      if usage { line += " (see 'landscape --help')" }
      FileHandle.standardError.write(Data("landscape: \(line)\n".utf8))
      Foundation.exit(usage ? 2 : 1)
    }
  }
}
