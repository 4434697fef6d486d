import ArgumentParser
import CaseFiles

/// `--set FIELD=VALUE` (repeatable): a case file's field replaced before the file is read.
struct SetOptions: ParsableArguments {
  @Option(
    name: .customLong("set"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "Replace (or add) a field of the case file before it is read, checked as the file's own value: sae.latents=8, correlated.correlation.strength=0.3, train.loss=snap, patterns[1].probability=0.1. VALUE is JSON when it parses, else a string. Repeatable.",
      valueName: "FIELD=VALUE"))
  var texts: [String] = []

  /// The overrides, in the order given.
  /// - Throws: `FieldError` (usage) for one that is not `FIELD=VALUE`.
  func overrides() throws -> [FieldOverride] { try texts.map(FieldOverride.init(parsing:)) }
}
