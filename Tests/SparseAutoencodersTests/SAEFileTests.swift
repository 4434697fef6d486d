import Foundation
import XCTest

@testable import SparseAutoencoders

final class SAEFileTests: XCTestCase {
  func parse(_ s: String) throws -> SAEFile { try SAEFile(json: Data(s.utf8)) }

  func testUntiedFileRoundTrips() throws {
    let f = try parse(
      """
      {"features": ["parent", "child"], "tied": false, "activation": "relu", "top_k": null,
       "threshold": null, "encoder": [[1, 0.25]], "encoder_bias": [-0.1],
       "decoder": [[0.8, 0.6]], "decoder_bias": [0, 0.2]}
      """)
    XCTAssertEqual(f.features, ["parent", "child"])
    XCTAssertFalse(f.sae.tied)
    XCTAssertEqual(f.sae.encoder, [1, 0.25])
    XCTAssertEqual(f.sae.encoderBias, [-0.1])
    XCTAssertEqual(f.sae.decoder, [0.8, 0.6])
    XCTAssertEqual(f.sae.decoderBias, [0, 0.2])
    XCTAssertEqual(try SAEFile(json: try f.json()), f)
  }

  func testTiedBatchTopKMatryoshkaRoundTrips() throws {
    let f = try parse(
      """
      {"features": ["a", "b"], "tied": true, "activation": "batchtopk", "top_k": 1,
       "threshold": 0.3, "matryoshka": [1, 2], "decoder": [[1, 0], [0, 1]],
       "decoder_bias": [0, 0]}
      """)
    XCTAssertTrue(f.sae.tied)
    XCTAssertEqual(f.sae.encoderBias, [0, 0])
    XCTAssertEqual(f.sae.activation, .batchTopK(k: 1, threshold: 0.3))
    XCTAssertEqual(f.sae.prefixes, [1, 2])
    XCTAssertFalse(f.sae.l1PerPrefix)
    XCTAssertEqual(try SAEFile(json: try f.json()), f)
  }

  func testL1PerPrefixRoundTrips() throws {
    let f = try parse(
      """
      {"features": ["a", "b"], "tied": true, "activation": "relu", "matryoshka": [1, 2],
       "l1_per_prefix": true, "decoder": [[1, 0], [0, 1]], "decoder_bias": [0, 0]}
      """)
    XCTAssertTrue(f.sae.l1PerPrefix)
    XCTAssertEqual(f.sae.l1Weights, [2, 1])
    let back = try SAEFile(json: try f.json())
    XCTAssertEqual(back, f)
    XCTAssertTrue(back.sae.l1PerPrefix)
  }

  func testSeventeenDigitNumbersRoundTripExactly() throws {
    // Foundation's JSONSerialization reads 0.026895109798822505 as ...515 on Linux.
    let x = 0.026895109798822505
    let f = try parse(
      """
      {"features": ["a"], "tied": true, "activation": "relu", "decoder": [[\(x)]],
       "decoder_bias": [-1.5656478890557962e-06]}
      """)
    XCTAssertEqual(f.sae.decoder, [x])
    XCTAssertEqual(f.sae.decoderBias, [-1.5656478890557962e-06])
    XCTAssertEqual(try SAEFile(json: try f.json()), f)
  }

  func testBadFilesNameTheField() {
    let tail = #""decoder": [[1]], "decoder_bias": [0]}"#
    let cases: [(String, String)] = [
      (#"{"tied": false}"#, "features"),
      (#"{"features": ["a"], "tied": 1, "activation": "relu"}"#, "tied"),
      (
        #"{"features": ["a"], "tied": true, "activation": "gelu", "# + tail,
        "activation"
      ),
      (
        #"{"features": ["a"], "tied": false, "activation": "relu", "# + tail,
        "encoder"
      ),
      (
        #"{"features": ["a"], "tied": true, "activation": "topk", "# + tail,
        "top_k"
      ),
      (
        #"{"features": ["a"], "tied": true, "activation": "relu", "decoder": [["x"]], "#
          + #""decoder_bias": [0]}"#,
        "decoder[0][0]"
      ),
      (
        #"{"features": ["a", "b"], "tied": true, "activation": "relu", "# + tail,
        "features"
      ),
    ]
    for (json, field) in cases {
      XCTAssertThrowsError(try parse(json), json) {
        XCTAssertTrue("\($0)".hasPrefix(field), "\($0) for \(json)")
      }
    }
  }

  /// Issue 21 items 10 and 18: a key given twice (Python's json keeps the last, Foundation the
  /// first: one file, two SAEs), an unknown field, an array and a number no Double holds
  /// (Foundation refuses 1e400 as JSON) are each refused with their own line.
  func testStrictFiles() {
    let good = #""features": ["a"], "tied": true, "activation": "relu", "decoder": [[1]]"#
    let cases: [(String, String)] = [
      ("{" + good + #", "decoder": [[2]], "decoder_bias": [0]}"#, "decoder: is given twice in one object"),
      ("{" + good + #", "decoder_bias": [0], "note": 1}"#, "note: is not a field of an SAE file"),
      ("[" + "{" + good + #", "decoder_bias": [0]}"# + "]", "sae: is a JSON array, not an object"),
      ("{" + good + #", "decoder_bias": [1e400]}"#, "sae: is not valid JSON"),
      ("3", "sae: is not a JSON object"),
    ]
    for (json, line) in cases {
      XCTAssertThrowsError(try parse(json), json) {
        XCTAssertTrue("\($0)".hasPrefix(line), "\($0) for \(json)")
      }
    }
    XCTAssertNoThrow(try parse("{" + good + #", "decoder_bias": [0]}"#))
  }
}
