/// `s` with line breaks and other control characters written as escapes (`\n`,
/// `\u{7F}`), so that a message quoting it stays on one line; cut to `limit` characters.
package func escapedForMessage(_ s: String, limit: Int = 80) -> String {
  var out = ""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      // Cc (C0, DEL, C1) and the Unicode line and paragraph separators.
      if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
        || scalar.value == 0x2029
      {
        out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out.count > limit ? String(out.prefix(limit - 3)) + "..." : out
}

/// Names for a one-line message: the first eight, each cut to 24 characters.
package func listForMessage(_ names: [String]) -> String {
  names.prefix(8).map { escapedForMessage($0, limit: 24) }.joined(separator: ", ")
    + (names.count > 8 ? ", ..." : "")
}

/// The Levenshtein distance between two names (the second cut at 64 characters), for "did
/// you mean" hints.
package func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b.prefix(64))
  var row = Array(0...b.count)
  for i in 1...max(a.count, 1) where !a.isEmpty {
    var previous = row[0]
    row[0] = i
    for j in stride(from: 1, through: b.count, by: 1) {
      let substitution = previous + (a[i - 1] == b[j - 1] ? 0 : 1)
      previous = row[j]
      row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
    }
  }
  return row[b.count]
}
