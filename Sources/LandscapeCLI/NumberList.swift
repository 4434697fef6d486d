import ArgumentParser

/// A comma-separated list of numbers as an option's value (`--coefficients 0,0.25,1`).
struct NumberList: ExpressibleByArgument, Hashable {
  var values: [Double]
  /// As given, for messages: the whole list and each value.
  var text: String
  var texts: [String]

  init?(argument: String) {
    texts = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    let values = texts.map { Double($0) }
    guard values.allSatisfy({ $0 != nil }) else { return nil }
    self.values = values.map { $0! }
    text = argument
  }

  /// Checks every value, naming the flag and the first value that fails as written:
  /// `--seeds: "1.5" is not a whole number in 0...4294967295`.
  func check(_ flag: String, is what: String, _ ok: (Double) -> Bool) throws {
    if let bad = values.indices.first(where: { !ok(values[$0]) }) {
      throw ValidationError("\(flag): \"\(texts[bad])\" is not \(what)")
    }
  }
}
