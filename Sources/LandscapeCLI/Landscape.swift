import ArgumentParser
import Foundation
import Landscape
import ToyModels

@main
struct LandscapeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "landscape",
    abstract:
      "Feature hedging in sparse autoencoders, computed exactly: the loss landscape of a tied "
      + "single latent, and SAEs with many latents on the paper's toy models.",
    discussion: """
      A case is a JSON file in cases/ (see README.md), or the two-feature hierarchy \
      given by flags: --p0 P (parent alone) --p01 P (parent and child) [--p1 P (child alone)].
      """,
    version: LandscapeCommand.version,
    subcommands: [
      CurveCommand.self, MinimaCommand.self, SweepCommand.self, SymbolicCommand.self,
      TrainCommand.self, SAELossCommand.self, CertifyCommand.self, PathCommand.self,
      EnsembleCommand.self, GrowCommand.self, BalanceCommand.self, StudyCommand.self, PlotCommand.self,
      ValidateCommand.self, ReproduceCommand.self, ServeCommand.self, ExportToyCommand.self,
    ])

  /// The version `--version` prints.
  static let version = "0.1.0"

  /// Runs the command line; errors are one line on stderr, exit 1 (2 for usage errors).
  /// Standard output is flushed and checked before exit; SIGINT and SIGTERM remove every
  /// temporary file first (exit 130, 143).
  static func main() async {
    TemporaryFiles.installSignalHandlers()
    let arguments = Array(CommandLine.arguments.dropFirst())
    OutputFile.arguments = arguments
    do {
      try checkSubcommand(arguments)
      var command = try parseAsRoot(arguments)
      if var command = command as? any AsyncParsableCommand {
        try await command.run()
      } else {
        try command.run()
      }
      try StandardOutput.flush()
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        print(fullMessage(for: error))
        exit(flushing: 0)
      }
      if let output = error as? StandardOutputError, output.code == EPIPE {
        Foundation.exit(141)  // a closed pipe (`| head -1`) ends the output quietly
      }
      let usage = code == .validationFailure || (error as? FieldError)?.kind == .usage
      // ArgumentParser lists a long set of values as bullets below its line: keep them on it.
      let text = message(for: error).replacingOccurrences(of: ":\n  - ", with: ": ")
        .replacingOccurrences(of: "\n  - ", with: ", ")
      var line = text.split(separator: "\n").first.map(String.init) ?? "\(error)"
      if usage { line += " (see '\(helpCommand(arguments)) --help')" }
      FileHandle.standardError.write(Data("landscape: \(line)\n".utf8))
      Foundation.exit(usage ? 2 : 1)
    }
  }

  /// Exits after flushing standard output, with status 1 and one line if it failed.
  private static func exit(flushing status: Int32) -> Never {
    do { try StandardOutput.flush() } catch {
      if let output = error as? StandardOutputError, output.code == EPIPE { Foundation.exit(141) }
      FileHandle.standardError.write(Data("landscape: \(error)\n".utf8))
      Foundation.exit(1)
    }
    Foundation.exit(status)
  }

  /// The subcommands' names.
  static var subcommandNames: [String] {
    configuration.subcommands.compactMap { $0.configuration.commandName }
  }

  /// Refuses a first word (or the word after `help`) that names no subcommand, with the
  /// nearest name: `landscape minimum` and `landscape help foo` are usage errors, not an
  /// unknown option or the overview.
  static func checkSubcommand(_ arguments: [String]) throws {
    var words = arguments.prefix(2)
    if words.first == "help" { words = words.dropFirst() } else { words = words.prefix(1) }
    guard let word = words.first, !word.hasPrefix("-") else { return }
    let names = subcommandNames
    guard !names.contains(word) else { return }
    let nearest = names.min { editDistance($0, word) < editDistance($1, word) }
    let hint = nearest.map { editDistance($0, word) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
    throw FieldError(
      flag: "subcommand", value: "'\(escapedForMessage(word, limit: 40))'",
      reason: "is not a subcommand\(hint): \(names.joined(separator: ", "))")
  }

  /// `landscape SUB` when the arguments name a subcommand, else `landscape`.
  static func helpCommand(_ arguments: [String]) -> String {
    let names = subcommandNames
    if let first = arguments.first, names.contains(first) { return "landscape \(first)" }
    return "landscape"
  }
}
