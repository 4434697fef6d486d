import Foundation
import Landscape
import SparseAutoencoders
import ToyModels
import XCTest

@testable import CaseFiles

/// `--set FIELD=VALUE`: a case read with an override is the case whose file says so, and a
/// bad path or value is refused as the file's own would be.
final class FieldOverrideTests: XCTestCase {
  /// A hierarchy SAE case with a train block; `%` marks where the edits go.
  static func saeText(
    parent: String = "0.4", latents: String = "2", loss: String = "\"mse\"",
    matryoshka: String = "", seed: String = ""
  ) -> String {
    """
    {"features": ["p", "a", "b"],
     "hierarchy": {"groups": [{"parent": "p", "parent_probability": \(parent),
                               "children": ["a", "b"], "child_probability": [0.25, 0.5]}]},
     "sae": {"latents": \(latents)\(matryoshka)},
     "train": {"data": "exact", "loss": \(loss), "l1": 0.01, "steps": 10\(seed)}}
    """
  }

  static let latentText = """
    {"features": ["parent", "child"],
     "patterns": [{"name": "p0", "probability": 0.3, "fires": {"parent": 1}},
                  {"name": "p01", "probability": 0.1, "fires": {"parent": 1, "child": 1}}]}
    """

  func read(_ text: String, _ sets: [String]) throws -> CaseDocument {
    try CaseDocument(
      json: Data(text.utf8), defaultName: "t", overrides: sets.map(FieldOverride.init(parsing:)))
  }

  func plain(_ text: String) throws -> CaseDocument {
    try CaseDocument(json: Data(text.utf8), defaultName: "t")
  }

  /// Numbers, names (a bare word is a string), lists and nested groups: each override gives
  /// the case of the file edited by hand.
  func testOverrideEqualsTheEditedFile() throws {
    let base = Self.saeText()
    XCTAssertEqual(try read(base, ["sae.latents=3"]), try plain(Self.saeText(latents: "3")))
    XCTAssertEqual(try read(base, ["train.loss=l2"]), try plain(Self.saeText(loss: "\"l2\"")))
    XCTAssertEqual(try read(base, ["train.loss=\"l2\""]), try plain(Self.saeText(loss: "\"l2\"")))
    XCTAssertEqual(
      try read(base, ["hierarchy.groups[0].parent_probability=0.2"]),
      try plain(Self.saeText(parent: "0.2")))
    XCTAssertEqual(
      try read(base, ["sae.latents=3", "sae.matryoshka=[1, 3]"]),
      try plain(Self.saeText(latents: "3", matryoshka: #", "matryoshka": [1, 3]"#)))
    XCTAssertEqual(
      try read(Self.latentText, ["patterns[1].probability=0.2"]),
      try plain(Self.latentText.replacingOccurrences(of: "0.1,", with: "0.2,")))
    // Later overrides win; a whole group replaced by an object.
    XCTAssertEqual(
      try read(base, ["sae.latents=5", "sae={\"latents\": 3}"]),
      try plain(Self.saeText(latents: "3")))
  }

  /// A key the file omits but the reader allows is added (the train block's seed).
  func testOmittedKeyIsAdded() throws {
    guard case .sae(let s) = try read(Self.saeText(), ["train.seed=7"]) else {
      return XCTFail("not an SAE case")
    }
    XCTAssertEqual(s.plan.seed, 7)
    XCTAssertEqual(try read(Self.saeText(), ["train.seed=7"]), try plain(Self.saeText(seed: #", "seed": 7"#)))
  }

  /// A bad value is the file's own error, word for word (an input error).
  func testBadValueIsTheFilesError() throws {
    for (set, edited) in [
      ("sae.latents=0", Self.saeText(latents: "0")),
      ("hierarchy.groups[0].parent_probability=1.5", Self.saeText(parent: "1.5")),
      ("train.loss=fast", Self.saeText(loss: "\"fast\"")),
      ("sae.latents=\"two\"", Self.saeText(latents: "\"two\"")),
    ] {
      var overridden: FieldError?
      var own: FieldError?
      XCTAssertThrowsError(try read(Self.saeText(), [set])) { overridden = $0 as? FieldError }
      XCTAssertThrowsError(try plain(edited)) { own = $0 as? FieldError }
      XCTAssertNotNil(own, set)
      XCTAssertEqual(overridden, own, set)
      XCTAssertEqual(overridden?.kind, .input, set)
    }
  }

  /// An unknown key names the known keys and the nearest; an index past the end and a step
  /// into a number are refused; all usage errors.
  func testUnknownPathsAreUsageErrors() throws {
    XCTAssertThrowsError(try read(Self.saeText(), ["sae.latentz=3"])) {
      let e = $0 as? FieldError
      XCTAssertEqual(e?.field, "sae.latentz")
      XCTAssertEqual(e?.kind, .usage)
      XCTAssertTrue(e?.reason.hasPrefix("no such field (known: activation, ") ?? false, "\(e!)")
      XCTAssertTrue(e?.reason.hasSuffix("; did you mean 'latents'?)") ?? false, "\(e!)")
    }
    XCTAssertThrowsError(try read(Self.saeText(), ["hierarchy.groups[1].parent_probability=0.2"])) {
      XCTAssertEqual(
        "\($0)", "hierarchy.groups[1]: no such element (hierarchy.groups has 1)")
      XCTAssertEqual(($0 as? FieldError)?.kind, .usage)
    }
    XCTAssertThrowsError(try read(Self.saeText(), ["sae.latents.count=3"])) {
      XCTAssertEqual("\($0)", "--set: sae.latents.count steps into sae.latents, which is not an object")
      XCTAssertEqual(($0 as? FieldError)?.kind, .usage)
    }
    XCTAssertThrowsError(try read(Self.latentText, ["penalty.q=1"])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "penalty.q")
      XCTAssertEqual(($0 as? FieldError)?.kind, .usage)
    }
  }

  /// FIELD=VALUE: the first `=` splits; VALUE is JSON when it parses, else a string.
  func testParsing() throws {
    let o = try FieldOverride(parsing: "train.loss=a=b")
    XCTAssertEqual(o.path, "train.loss")
    XCTAssertEqual(o.value, .string("a=b"))
    XCTAssertEqual(try FieldOverride(parsing: "x=8").value, .integer(8))
    XCTAssertEqual(try FieldOverride(parsing: "x=0.25").value, .number(0.25))
    XCTAssertEqual(try FieldOverride(parsing: "x=\"8\"").value, .string("8"))
    XCTAssertEqual(try FieldOverride(parsing: "x=true").value, .bool(true))
    XCTAssertEqual(try FieldOverride(parsing: "x=null").value, .null)
    XCTAssertEqual(try FieldOverride(parsing: "x=[1, 2]").value, .array([.integer(1), .integer(2)]))
    XCTAssertEqual(try FieldOverride(parsing: "x=").value, .string(""))
    XCTAssertEqual(try FieldOverride(parsing: "patterns[1].probability=0.1").description, "patterns[1].probability=0.1")
    for bad in ["sae.latents", "sae..latents=1", "=1", "a[x]=1"] {
      XCTAssertThrowsError(try FieldOverride(parsing: bad), bad) {
        XCTAssertEqual(($0 as? FieldError)?.field, "--set")
        XCTAssertEqual(($0 as? FieldError)?.kind, .usage)
      }
    }
  }
}
