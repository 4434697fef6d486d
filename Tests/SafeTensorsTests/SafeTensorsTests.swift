import Foundation
import ToyModels
import XCTest

@testable import SafeTensors

/// Files built byte by byte: an 8-byte little-endian header length, the JSON header, the data.
final class SafeTensorsTests: XCTestCase {
  func file(_ header: String, _ data: [UInt8]) -> Data {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    var n = UInt64(h.count)
    for _ in 0..<8 {
      out.append(UInt8(n & 0xFF))
      n >>= 8
    }
    return Data(out + h + data)
  }

  func read(_ header: String, _ data: [UInt8]) throws -> SafeTensorsFile {
    try SafeTensorsFile(data: file(header, data), source: "w.safetensors")
  }

  /// The error message of reading `bytes`.
  func refusal(_ bytes: Data) -> String {
    do {
      _ = try SafeTensorsFile(data: bytes, source: "w.safetensors")
      return "read"
    } catch let e as FieldError {
      return e.description
    } catch {
      return "\(error)"
    }
  }

  // 1, -2, 0.5, 3, 0, -0.25 as F32: 0x3F800000, 0xC0000000, 0x3F000000, 0x40400000, 0,
  // 0xBE800000, each little-endian.
  let twoByThree: [UInt8] = [
    0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F,
    0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xBE,
  ]
  let twoByThreeHeader = #"{"W":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#

  func testReadsATwoByThreeF32Tensor() throws {
    let f = try read(twoByThreeHeader, twoByThree)
    XCTAssertEqual(f.tensors.count, 1)
    XCTAssertEqual(f["W"]?.shape, [2, 3])
    XCTAssertEqual(f["W"]?.dtype, .f32)
    XCTAssertEqual(f["W"]?.values, [1, -2, 0.5, 3, 0, -0.25])
    XCTAssertEqual(f.metadata, [:])
  }

  func testReadsBF16F16AndF64ByTheirBitPatterns() throws {
    // BF16 0x3FC0 = 1.5, 0xC049 = -2 (1 + 73/128) = -3.140625.
    // F16 0x3C00 = 1, 0xC500 = -4 * 1.25 = -5, 0x0001 = 2^-24 (smallest subnormal),
    // 0x7BFF = 65504 (largest finite). F64 0x3FB999999999999A = 0.1.
    let header =
      #"{"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"#
      + #""h":{"dtype":"F16","shape":[2,2],"data_offsets":[4,12]},"#
      + #""d":{"dtype":"F64","shape":[],"data_offsets":[12,20]},"#
      + #""__metadata__":{"format":"pt"}}"#
    let data: [UInt8] = [
      0xC0, 0x3F, 0x49, 0xC0,
      0x00, 0x3C, 0x00, 0xC5, 0x01, 0x00, 0xFF, 0x7B,
      0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F,
    ]
    let f = try read(header, data)
    XCTAssertEqual(f["b"]?.values, [1.5, -3.140625])
    XCTAssertEqual(f["h"]?.values, [1, -5, 5.9604644775390625e-08, 65504])
    XCTAssertEqual(f["d"]?.values, [0.1])
    XCTAssertEqual(f["d"]?.shape, [])
    XCTAssertEqual(f.metadata, ["format": "pt"])
    XCTAssertEqual(f.tensors.map(\.name), ["b", "h", "d"])
  }

  func testF16InfinityAndNaN() {
    XCTAssertEqual(SafeTensorsFile.halfToDouble(0xFC00), -.infinity)
    XCTAssertTrue(SafeTensorsFile.halfToDouble(0x7E00).isNaN)
    XCTAssertEqual(SafeTensorsFile.halfToDouble(0x8000).sign, .minus)
  }

  func testAnEmptyTensorIsRead() throws {
    let f = try read(#"{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}"#, [])
    XCTAssertEqual(f["e"]?.values, [])
  }

  func testWritesTheSameBytesAsByHand() throws {
    // The 57-byte header padded with 7 spaces to 64; 64 = 0x40 as the length.
    let written = try SafeTensorsFile(tensors: [
      SafeTensor(name: "W", dtype: .f32, shape: [2, 3], values: [1, -2, 0.5, 3, 0, -0.25])
    ]).data()
    let expected: [UInt8] =
      [0x40, 0, 0, 0, 0, 0, 0, 0] + Array(twoByThreeHeader.utf8) + Array("       ".utf8)
      + twoByThree
    XCTAssertEqual([UInt8](written), expected)
  }

  func testF32WritingRoundsAndF64Keeps() throws {
    let out = try SafeTensorsFile(
      tensors: [
        SafeTensor(name: "a", dtype: .f32, shape: [1], values: [0.1]),
        SafeTensor(name: "b", dtype: .f64, shape: [1], values: [0.1]),
      ], metadata: ["k": "v"]
    ).data()
    let back = try SafeTensorsFile(data: out, source: "x")
    // 0.1 in F32 is 0x3DCCCCCD = 13421773 * 2^-27.
    XCTAssertEqual(back["a"]?.values, [13_421_773 * 0x1p-27])
    XCTAssertEqual(back["b"]?.values, [0.1])
    XCTAssertEqual(back.metadata, ["k": "v"])
  }

  func testWritingRefusesWhatF32CannotHold() {
    let t = SafeTensorsFile(tensors: [SafeTensor(name: "a", dtype: .f32, shape: [1], values: [1e39])])
    XCTAssertThrowsError(try t.data()) {
      XCTAssertEqual("\($0)", "a[0]: 1e+39 is not a finite F32 number")
    }
    let bad = SafeTensorsFile(tensors: [SafeTensor(name: "a", dtype: .f32, shape: [2], values: [1])])
    XCTAssertThrowsError(try bad.data()) {
      XCTAssertEqual("\($0)", "a: shape [2] does not hold its 1 values")
    }
  }

  func testMalformedFilesAreRefusedInOneLine() {
    let cases: [(Data, String)] = [
      (Data([1, 0, 0, 0, 0]),
       "w.safetensors: 5 bytes is not a safetensors file (shorter than its 8-byte header length)"),
      (Data([100, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: UInt8(ascii: " "), count: 10)),
       "w.safetensors: header length 100 runs past the end of the file (18 bytes)"),
      (Data([0, 0, 0, 0, 0, 0, 0, 0x80, 0x7B, 0x7D]),
       "w.safetensors: header length 9223372036854775808 is above the 100 MB limit of a safetensors header"),
      (file(#"{"W":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, Array(twoByThree[0..<16])),
       "w.safetensors: W: data_offsets [0, 24] is not inside the data (16 bytes)"),
      (file(#"{"W":{"dtype":"F32","shape":[2,2],"data_offsets":[0,24]}}"#, twoByThree),
       "w.safetensors: W: shape [2, 2] needs 16 bytes of F32, data_offsets give 24"),
      (file(#"{"W":{"dtype":"I32","shape":[6],"data_offsets":[0,24]}}"#, twoByThree),
       "w.safetensors: W: \"I32\" is not a dtype read here (F64, F32, F16, BF16)"),
      (file(
        #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
          + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, twoByThree),
       "w.safetensors: b: data_offsets [4, 12] overlaps a [0, 8]"),
      (file(#"{"W":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, twoByThree),
       "w.safetensors: W: shape[0] -1 is negative"),
      (file(#"{"W":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, twoByThree),
       "w.safetensors: W: data_offsets [8, 0] is not inside the data (24 bytes)"),
      (file(#"{"W":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, []),
       "w.safetensors: W: shape [4294967296, 4294967296] holds more values than the data (0 bytes)"),
      (file(#"{"W":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}"#, []),
       "w.safetensors: is not a safetensors file (its header is not one JSON object of whole numbers in range)"),
      (file(#"{"W":{"dtype":"F32","shape":[1]}}"#, twoByThree),
       "w.safetensors: W: has no data_offsets in its header entry"),
      (file(#"{"W":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, twoByThree),
       "w.safetensors: W: [0] is not a pair [begin, end] of data_offsets"),
      (file(#"{"W":{"dtype":"F32","shape":"x","data_offsets":[0,4]}}"#, twoByThree),
       "w.safetensors: W: has a header field of the wrong kind (shape)"),
      (file(#"{"W": nope}"#, []),
       "w.safetensors: is not a safetensors file (its header is not one JSON object of whole numbers in range)"),
      (file(#"[1, 2]"#, []),
       "w.safetensors: is not a safetensors file (its header is not one JSON object of whole numbers in range)"),
    ]
    for (bytes, message) in cases {
      XCTAssertEqual(refusal(bytes), message)
    }
  }
}
