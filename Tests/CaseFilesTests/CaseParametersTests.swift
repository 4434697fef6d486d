import CaseFiles
import Landscape
import XCTest

final class CaseParametersTests: XCTestCase {
  func testTextValuesParseAsTheFlagsDoAndErrorsNameTheFlag() throws {
    var p = CaseParameters()
    XCTAssertTrue(try p.set("p0", to: "0.3"))
    XCTAssertTrue(try p.set("t-max", to: "0.75"))
    XCTAssertTrue(try p.set("bias", to: "centered"))
    XCTAssertTrue(try p.set("points", to: "3"))
    XCTAssertFalse(try p.set("steps", to: "3"))
    XCTAssertEqual(p, CaseParameters(p0: 0.3, bias: .named(.centered), tMax: 0.75, points: 3))
    XCTAssertThrowsError(try p.set("p01", to: "abc")) {
      XCTAssertEqual("\($0)", "--p01: \"abc\" is not a number")
    }
    XCTAssertThrowsError(try p.set("l1", to: "inf")) {
      XCTAssertEqual("\($0)", "--l1: \"inf\" is not a number")
    }
    XCTAssertThrowsError(try p.set("bias", to: "sideways")) {
      XCTAssertEqual("\($0)", "--bias: \"sideways\" is not none, optimal, centered or FEATURE=B,...")
    }
    XCTAssertThrowsError(try CaseParameters(p0: 0.3).hierarchy()) {
      XCTAssertEqual("\($0)", "--p01: is missing")
    }
  }

  func testHierarchyErrorsNameTheFlags() {
    XCTAssertThrowsError(try CaseParameters(p0: 0.3, p01: 0.9).hierarchy()) {
      XCTAssertEqual("\($0)", "--p0 + --p01 + --p1: probabilities summing to 1.2 exceed 1")
    }
    XCTAssertThrowsError(try CaseParameters(p0: 1.5, p01: 0.1).hierarchy()) {
      XCTAssertTrue("\($0)".hasPrefix("--p0: 1.5 "), "\($0)")
    }
  }

  /// Overrides on a case file: the named patterns' probabilities, penalty and t range; the
  /// magnitudes belong to the file.
  func testOverridesOnACaseFile() throws {
    let file = try LatentCase.hierarchy(p0: 0.2, p01: 0.1, p1: 0.05)
    let c = try CaseParameters(p01: 0.25, l1: 0.01, tMin: -1).applied(to: file)
    XCTAssertEqual(c.patterns.map(\.probability), [0.2, 0.25, 0.05])
    XCTAssertEqual(c.penalty.coefficient, 0.01)
    XCTAssertEqual(c.path.tMin, -1)
    XCTAssertThrowsError(try CaseParameters(p01: 0.8).applied(to: file)) {
      XCTAssertEqual("\($0)", "--p0 + --p01 + --p1: probabilities summing to 1.05 exceed 1")
    }
    let two = try LatentCase.hierarchy(p0: 0.2, p01: 0.1)
    XCTAssertThrowsError(try CaseParameters(p1: 0.1).applied(to: two)) {
      XCTAssertEqual("\($0)", "--p1: is not a pattern of hierarchy (patterns: p0, p01)")
    }
    XCTAssertThrowsError(try CaseParameters(parentMagnitude: 2).applied(to: two)) {
      XCTAssertTrue("\($0)".hasPrefix("--parent-magnitude: applies to the hierarchy shorthand"))
    }
  }

  /// The paper's form: p0 = 0.4 (1 - 0.3) = 0.28, p01 = 0.4 * 0.3 = 0.12, p1 = 0.6 * 0.1 =
  /// 0.06, each the Double nearest the exact decimal (0.4 * 0.7 in Doubles is
  /// 0.27999999999999997).
  func testThePapersFormIsExactDecimalArithmetic() throws {
    let p = try CaseParameters(texts: [
      ("p-parent", "0.4"), ("p-child-if-parent", "0.3"), ("p-child-if-no-parent", "0.1"),
    ])
    XCTAssertEqual(try p.hierarchy(), try LatentCase.hierarchy(p0: 0.28, p01: 0.12, p1: 0.06))
    XCTAssertNotEqual(0.4 * 0.7, 0.28)
    XCTAssertThrowsError(try CaseParameters(texts: [("p-parent", "0.4")]).hierarchy()) {
      XCTAssertEqual("\($0)", "--p-child-if-parent: is missing")
    }
    XCTAssertThrowsError(
      try CaseParameters(texts: [("p0", "0.1"), ("p-parent", "0.4"), ("p-child-if-parent", "0.3")])
        .hierarchy()
    ) {
      XCTAssertEqual(
        "\($0)", "--p0: is not given with the paper's form (--p-parent, --p-child-if-parent, ...)")
    }
    XCTAssertThrowsError(try CaseParameters(texts: [("p-parent", "0x1")])) {
      XCTAssertEqual("\($0)", "--p-parent: \"0x1\" is not a probability in [0, 1]")
    }
    let file = try LatentCase.hierarchy(p0: 0.2, p01: 0.1)
    XCTAssertThrowsError(try CaseParameters(pParent: 0.5).applied(to: file)) {
      XCTAssertEqual(
        "\($0)",
        "--p-parent: applies to the hierarchy shorthand, not to a case file (its patterns give "
          + "the probabilities)")
    }
  }

  /// Every entry writes back text that parses to the same value, and unknown names are
  /// refused naming them.
  func testEveryEntryFormatsWhatItParses() throws {
    let given = CaseParameters(
      p0: 0.1, p01: 0.2, p1: 0.3, pParent: Decimal(string: "0.45"), pChildIfParent: 1,
      pChildIfNoParent: 0, parentMagnitude: 2.5, childMagnitude: 1e-3, l1: 0.01,
      bias: BiasOption(argument: "child=-0.25"), tMin: -1, tMax: 1.5, points: 7)
    XCTAssertEqual(given.texts.count, CaseParameters.table.count)
    XCTAssertEqual(
      given.texts.map { "\($0.name)=\($0.text)" }.joined(separator: "&"),
      "p0=0.1&p01=0.2&p1=0.3&p-parent=0.45&p-child-if-parent=1&p-child-if-no-parent=0&"
        + "parent-magnitude=2.5&child-magnitude=0.001&l1=0.01&bias=child=-0.25&t-min=-1.0&"
        + "t-max=1.5&points=7")
    XCTAssertEqual(try CaseParameters(texts: given.texts.map { ($0.name, $0.text) }), given)
    XCTAssertThrowsError(try CaseParameters(texts: [("steps", "3")])) {
      XCTAssertTrue("\($0)".hasPrefix("steps: is not a parameter (p0, p01, p1, p-parent, "), "\($0)")
    }
  }

  /// The flag table's fields are the entries' (and the fields named as a whole).
  func testTheFlagTableIsDerivedFromTheEntries() {
    XCTAssertEqual(FlagTable.flags["patterns[1].probability"], "--p01")
    XCTAssertEqual(FlagTable.flags["patterns[2].fires.child"], "--child-magnitude")
    XCTAssertEqual(FlagTable.flags["penalty.coefficient"], "--l1")
    XCTAssertEqual(FlagTable.flags["bias.parent"], "--bias")
    XCTAssertEqual(FlagTable.flags["path.t"], "--t-min/--t-max")
    XCTAssertEqual(FlagTable.flags["path.t[1]"], "--t-max")
    for parameter in CaseParameters.table {
      for field in parameter.fields {
        XCTAssertEqual(FlagTable.flags[field.description], parameter.flag, "\(field)")
      }
    }
  }

  /// Field paths: keys joined by `.`, indices in brackets; anything else is refused.
  func testFieldPaths() {
    XCTAssertEqual(
      FieldPath(parsing: "patterns[1].probability")?.components,
      [.key("patterns"), .index(1), .key("probability")])
    XCTAssertEqual(FieldPath(parsing: "sae.latents")?.components, [.key("sae"), .key("latents")])
    XCTAssertEqual(
      FieldPath(parsing: "correlated.correlation.strength")?.description, "correlated.correlation.strength")
    XCTAssertEqual(FieldPath(parsing: "a[0][12]")?.components, [.key("a"), .index(0), .index(12)])
    XCTAssertEqual(FieldPath(parsing: "train.l1")?.description, "train.l1")
    for bad in ["", ".a", "a.", "a..b", "a[", "a[]", "a[-1]", "a[1", "[0]", "a]b", "a[x]", "a[1]b"] {
      XCTAssertNil(FieldPath(parsing: bad), bad)
    }
  }
}
