import CaseFiles
import Foundation
import Landscape
import TestSupport
import ToyModels
import XCTest

/// A seeded mutation fuzzer for the case-file parser.
///
/// Every input must either be rejected with a `FieldError` that names a field in one line,
/// or give a valid case whose MSE and L2 minima are finite and inside the t range (and
/// whose curve and off-path optimum are finite). Set
/// `FUZZ_ITERATIONS` (default 3000) and `FUZZ_SEED` to run longer; with `FUZZ_SAVE` set,
/// each input is written to that path before it is parsed, so a crash leaves it behind.
final class CaseFuzzTests: XCTestCase {
  /// The crashers found so far (Corpus/crashers).
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Corpus")

  /// The shipped cases: the seed corpus is cases/ itself, not a copy that could drift.
  static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("cases")

  /// The files of a corpus folder, sorted by name.
  static func files(in folder: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
  }

  /// The seed corpus: the shipped single-latent cases (an SAE case is another schema).
  static let corpus: [[UInt8]] = files(in: shipped).compactMap { try? Array(Data(contentsOf: $0)) }
    .filter { !String(decoding: $0, as: UTF8.self).contains("\"sae\"") }

  /// Parses `input` and checks the outcome; returns what happened, for the statistics.
  @discardableResult
  static func check(_ input: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String
  {
    let c: LatentCase
    do {
      c = try LatentCase(json: Data(input), defaultName: "fuzz")
    } catch let error as FieldError {
      let text = error.description
      XCTAssertFalse(
        error.field.isEmpty, "empty field in \(text) for \(show(input))", file: file, line: line)
      XCTAssertFalse(
        error.reason.isEmpty, "empty reason in \(text) for \(show(input))", file: file, line: line)
      XCTAssert(
        isOneLine(text), "not one line: \(text.debugDescription) for \(show(input))", file: file,
        line: line)
      XCTAssertLessThan(
        text.count, 600, "long message \(text) for \(show(input))", file: file, line: line)
      return "rejected"
    } catch {
      XCTFail("not a FieldError: \(error) for \(show(input))", file: file, line: line)
      return "other error"
    }
    XCTAssertNoThrow(
      try c.validate(), "accepted case fails validate(): \(show(input))", file: file, line: line)
    let landscape = LossLandscape(c)
    for kind in LossKind.allCases {
      let minima = landscape.minima(kind)
      XCTAssertFalse(
        minima.isEmpty, "no \(kind) minimum for \(show(input))", file: file, line: line)
      for m in minima {
        XCTAssert(
          m.t.isFinite && m.t >= c.path.tMin && m.t <= c.path.tMax,
          "\(kind) minimum at \(m.t) outside [\(c.path.tMin), \(c.path.tMax)] for \(show(input))",
          file: file, line: line)
        XCTAssert(
          m.loss.isFinite, "\(kind) minimum \(m) for \(show(input))", file: file, line: line)
      }
    }
    for point in landscape.curve(points: 9) {
      XCTAssert(
        point.mse.isFinite && point.l2.isFinite, "curve \(point) for \(show(input))", file: file,
        line: line)
    }
    if let sphere = c.sphereOptimum() {
      XCTAssert(
        sphere.loss.isFinite && sphere.latent.allSatisfy(\.isFinite),
        "\(sphere) for \(show(input))", file: file, line: line)
    }
    return "accepted"
  }

  /// No line break of any kind (the CLI prints one line per error).
  static func isOneLine(_ s: String) -> Bool {
    !s.isEmpty
      && !s.unicodeScalars.contains {
        [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029].contains($0.value)
      }
  }

  static func show(_ input: [UInt8]) -> String {
    let text = String(decoding: input.prefix(300), as: UTF8.self)
    return text.debugDescription + (input.count > 300 ? "... (\(input.count) bytes)" : "")
  }

  func testSeedCorpusIsValid() {
    XCTAssertGreaterThanOrEqual(Self.corpus.count, 10, "corpus at \(Self.shipped.path)")
    for input in Self.corpus { XCTAssertEqual(Self.check(input), "accepted", Self.show(input)) }
  }

  func testCrashersStayFixed() {
    let crashers = Self.files(in: Self.folder.appendingPathComponent("crashers"))
    XCTAssertFalse(crashers.isEmpty)
    for url in crashers {
      guard let data = try? Data(contentsOf: url) else {
        XCTFail("cannot read \(url.path)")
        continue
      }
      Self.check(Array(data))
    }
  }

  func testDeepNestingIsRejectedWithoutCrashing() {
    for depth in [100, 513, 10_000, 200_000] {
      for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let text =
          "{\"features\": " + String(repeating: open, count: depth) + "1"
          + String(repeating: close, count: depth) + "}"
        XCTAssertEqual(Self.check(Array(text.utf8)), "rejected", "depth \(depth)")
      }
    }
  }

  func testMutatedCasesAreRejectedByNameOrSolved() {
    let environment = ProcessInfo.processInfo.environment
    let iterations = environment["FUZZ_ITERATIONS"].flatMap(Int.init) ?? 3000
    let seed = environment["FUZZ_SEED"].flatMap(UInt64.init) ?? 0xF022
    let save = environment["FUZZ_SAVE"]
    var rng = SplitMix64(seed: seed)
    var fuzzer = Mutator()
    var outcomes: [String: Int] = [:]
    for i in 0..<iterations {
      var input = Self.corpus[Int(rng.next() % UInt64(Self.corpus.count))]
      for _ in 0..<Int.random(in: 1...4, using: &rng) { input = fuzzer.mutate(input, using: &rng) }
      if let save { _ = FileManager.default.createFile(atPath: save, contents: Data(input)) }
      let before = testRun?.failureCount ?? 0
      outcomes[Self.check(input), default: 0] += 1
      if (testRun?.failureCount ?? 0) > before {
        return XCTFail("seed \(seed), iteration \(i) failed (see above)")
      }
    }
    // The mutations must reach both sides, or the test proves little.
    XCTAssertGreaterThan(outcomes["accepted", default: 0], iterations / 20, "\(outcomes)")
    XCTAssertGreaterThan(outcomes["rejected", default: 0], iterations / 4, "\(outcomes)")
    print("fuzz: \(iterations) inputs from seed \(seed): \(outcomes)")
  }
}

/// Byte, token and tree mutations of JSON case files.
struct Mutator {
  /// Numbers that probe the edges: NaN, infinities, overflow, -0, subnormals, Int.max.
  static let numbers = [
    "NaN", "nan", "Infinity", "-Infinity", "1e400", "-1e400", "-0", "0", "-0.0", "1e308", "-1e308",
    "1e-320", "5e-324", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "1e6", "1000000.0000001", "-1e6", "1e7", "0.5", "1", "2", "-1",
    "1.0000000000000002",
    "0.9999999999999999", "1e-300", "4294967296", "0x10", "01", "1.", ".5", "+1", "1e", "--1",
  ]
  /// Other values for a number's or string's place.
  static let values = [
    "\"x\"", "\"\"", "null", "true", "false", "[]", "{}", "[[[1]]]", "[1, 2]", "{\"parent\": 1}",
    "\"parent\"", "\"child\"", "\"optimal\"", "\"none\"", "[0, 1]", "[1, 0]", "[0.5, 0.5]",
    "[-1e6, 1e6]",
  ]
  /// Replacement strings: empty, control characters, unicode, long, other names.
  static let strings = [
    "", "a\\nb", "\\u0000", "\\u2028", "é", "\u{1F600}", "\\ud800", "parent", "child", "p0", "p01",
    String(repeating: "w", count: 5000), "a\\\"b", "\\t", "mse", "l2", "snap", "both", "decoder",
  ]
  /// Keys to add or duplicate.
  static let keys = [
    "name", "title", "features", "patterns", "path", "bias", "penalty", "train", "from", "to", "t",
    "probability", "fires", "coefficient", "p", "parent", "child", "steps", "seed", "lr", "dim",
    "snap_at",
    "init", "tolerance", "unknown",
  ]

  mutating func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
    switch rng.next() % 14 {
    case 12, 13: return nudgeNumbers(input, &rng)
    case 0: return flip(input, &rng)
    case 1: return deleteSpan(input, &rng)
    case 2: return duplicateSpan(input, &rng)
    case 3, 4: return replaceToken(input, number: true, &rng)
    case 5: return replaceToken(input, number: false, &rng)
    case 6: return duplicateKey(input, &rng)
    case 7: return nest(input, &rng)
    case 8:
      return rng.chance(0.5) ? [] : Array(input.prefix(Int(rng.next() % UInt64(input.count + 1))))
    default: return mutateTree(input, &rng)
    }
  }

  func position(_ input: [UInt8], _ rng: inout SplitMix64) -> Int {
    input.isEmpty ? 0 : Int(rng.next() % UInt64(input.count))
  }

  func flip(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    guard !input.isEmpty else { return input }
    var out = input
    let choices = Array("{}[]\":,-.0123456789eE \\nulltrue".utf8) + [0, 0x0A, 0xFF, 0xC3]
    out[position(input, &rng)] = choices[Int(rng.next() % UInt64(choices.count))]
    return out
  }

  func deleteSpan(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    guard !input.isEmpty else { return input }
    let a = position(input, &rng)
    let n = Int(rng.next() % 40)
    var out = input
    out.removeSubrange(a..<min(input.count, a + n))
    return out
  }

  func duplicateSpan(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    guard !input.isEmpty else { return input }
    let a = position(input, &rng)
    let n = Int(rng.next() % 200)
    var out = input
    out.insert(contentsOf: input[a..<min(input.count, a + n)], at: position(input, &rng))
    return out
  }

  /// The ranges of number tokens (or of string literals, quotes included).
  func tokens(_ input: [UInt8], number: Bool) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var i = 0
    while i < input.count {
      let c = input[i]
      if c == UInt8(ascii: "\"") {
        var j = i + 1
        while j < input.count && input[j] != UInt8(ascii: "\"") {
          j += input[j] == UInt8(ascii: "\\") ? 2 : 1
        }
        if !number { ranges.append(i..<min(j + 1, input.count)) }
        i = j + 1
      } else if c == UInt8(ascii: "-") || (c >= 48 && c <= 57) {
        var j = i + 1
        while j < input.count, "0123456789.eE+-".utf8.contains(input[j]) { j += 1 }
        if number { ranges.append(i..<j) }
        i = j
      } else {
        i += 1
      }
    }
    return ranges
  }

  func replaceToken(_ input: [UInt8], number: Bool, _ rng: inout SplitMix64) -> [UInt8] {
    let ranges = tokens(input, number: number)
    guard !ranges.isEmpty else { return flip(input, &rng) }
    let range = ranges[Int(rng.next() % UInt64(ranges.count))]
    let replacement: String
    if number {
      replacement =
        rng.chance(0.75)
        ? Self.numbers[Int(rng.next() % UInt64(Self.numbers.count))]
        : Self.values[Int(rng.next() % UInt64(Self.values.count))]
    } else {
      replacement =
        rng.chance(0.8)
        ? "\"" + Self.strings[Int(rng.next() % UInt64(Self.strings.count))] + "\""
        : Self.values[Int(rng.next() % UInt64(Self.values.count))]
    }
    var out = input
    out.replaceSubrange(range, with: Array(replacement.utf8))
    return out
  }

  /// Inserts `"key": value,` after an opening brace: a duplicate or unknown key.
  func duplicateKey(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    let braces = input.indices.filter { input[$0] == UInt8(ascii: "{") }
    guard let brace = braces.isEmpty ? nil : braces[Int(rng.next() % UInt64(braces.count))] else {
      return input
    }
    let key = Self.keys[Int(rng.next() % UInt64(Self.keys.count))]
    let value =
      rng.chance(0.5)
      ? Self.numbers[Int(rng.next() % UInt64(Self.numbers.count))]
      : Self.values[Int(rng.next() % UInt64(Self.values.count))]
    var out = input
    out.insert(contentsOf: Array("\"\(key)\": \(value), ".utf8), at: brace + 1)
    return out
  }

  /// Wraps a number or string token in up to 2000 levels of arrays or objects.
  func nest(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    let ranges = tokens(input, number: rng.chance(0.5))
    guard !ranges.isEmpty else { return input }
    let range = ranges[Int(rng.next() % UInt64(ranges.count))]
    let depth = rng.chance(0.5) ? Int(rng.next() % 8) + 1 : Int(rng.next() % 2000) + 1
    let (open, close) = rng.chance(0.5) ? ("[", "]") : ("{\"parent\": ", "}")
    var out = input
    out.replaceSubrange(
      range,
      with: Array(
        (String(repeating: open, count: depth) + String(decoding: input[range], as: UTF8.self)
          + String(repeating: close, count: depth)).utf8))
    return out
  }

  /// Scales, negates or shifts a few numbers in place: mostly still a valid case, with
  /// its minima moved.
  func nudgeNumbers(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    var out = input
    for range in tokens(input, number: true).reversed() where rng.chance(0.3) {
      guard let x = Double(String(decoding: input[range], as: UTF8.self)) else { continue }
      let y = [x * rng.uniform(0.5, 1.5), -x, x + rng.uniform(-0.2, 0.2), x * 1e-6, x * 1e3][
        Int(rng.next() % 5)]
      out.replaceSubrange(range, with: Array("\(y)".utf8))
    }
    return out
  }

  /// Parses the input and changes one node of the tree: valid JSON with odd values.
  func mutateTree(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    guard
      let root = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
    else {
      return flip(input, &rng)
    }
    let changed = mutateNode(root, depth: 0, &rng)
    guard
      JSONSerialization.isValidJSONObject(changed)
        || !(changed is [Any] || changed is [String: Any]),
      let data = try? JSONSerialization.data(withJSONObject: changed, options: [.fragmentsAllowed])
    else { return input }
    return Array(data)
  }

  func randomValue(_ rng: inout SplitMix64) -> Any {
    switch rng.next() % 10 {
    case 0: return NSNull()
    case 1: return rng.chance(0.5)
    case 2: return Self.strings[Int(rng.next() % UInt64(Self.strings.count))]
    case 3: return [Any]()
    case 4: return [String: Any]()
    case 5: return Int(bitPattern: UInt(truncatingIfNeeded: rng.next())) >> Int(rng.next() % 64)
    case 6:
      let extremes: [Double] = [
        1e-300, 1e300, -1e300, .leastNonzeroMagnitude, 1e6, -1e6, 1e6 + 1, 0.0, -0.0,
      ]
      return extremes[Int(rng.next() % 9)]
    default: return rng.uniform(-3, 3)
    }
  }

  func mutateNode(_ node: Any, depth: Int, _ rng: inout SplitMix64) -> Any {
    if depth > 0 && rng.chance(0.25) { return randomValue(&rng) }
    if var dict = node as? [String: Any] {
      let keys = dict.keys.sorted()
      switch rng.next() % 4 {
      case 0 where !keys.isEmpty:
        dict[keys[Int(rng.next() % UInt64(keys.count))]] = nil
      case 1:
        dict[Self.keys[Int(rng.next() % UInt64(Self.keys.count))]] = randomValue(&rng)
      default:
        guard !keys.isEmpty else { return dict }
        let key = keys[Int(rng.next() % UInt64(keys.count))]
        dict[key] = mutateNode(dict[key]!, depth: depth + 1, &rng)
      }
      return dict
    }
    if var array = node as? [Any] {
      switch rng.next() % 4 {
      case 0 where !array.isEmpty:
        array.remove(at: Int(rng.next() % UInt64(array.count)))
      case 1 where !array.isEmpty:
        array.append(array[Int(rng.next() % UInt64(array.count))])
      case 2:
        array.append(randomValue(&rng))
      default:
        guard !array.isEmpty else { return array }
        let i = Int(rng.next() % UInt64(array.count))
        array[i] = mutateNode(array[i], depth: depth + 1, &rng)
      }
      return array
    }
    if let n = node as? Double, rng.chance(0.5) {
      // Nudge a number: small changes keep the case valid and move its minima.
      return [n * rng.uniform(0.5, 1.5), -n, n + rng.uniform(-0.1, 0.1), n * 1e6][
        Int(rng.next() % 4)]
    }
    return randomValue(&rng)
  }
}
