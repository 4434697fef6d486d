import Foundation
import ToyModels

/// One named tensor of a safetensors file, its values widened to Double.
///
///     values[i_0 * shape[1] * ... + ... + i_last]   (row-major, C order)
///
/// - `dtype`: how the values are stored (F64, F32, F16, BF16).
/// - `shape`: each entry >= 0; the product is `values.count` (1 for a scalar, shape []).
public struct SafeTensor: Sendable, Hashable {
  /// How a value is stored: IEEE 754 binary64, binary32, binary16, or bfloat16 (the top 16
  /// bits of a binary32), little-endian.
  public enum DType: String, Sendable, Hashable, CaseIterable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    /// Bytes per value: 8, 4, 2, 2.
    public var size: Int {
      switch self {
      case .f64: return 8
      case .f32: return 4
      case .f16, .bf16: return 2
      }
    }
  }

  public var name: String
  public var dtype: DType
  public var shape: [Int]
  public var values: [Double]

  public init(name: String, dtype: DType, shape: [Int], values: [Double]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.values = values
  }
}

/// A safetensors file (huggingface/safetensors, the format SAELens saves weights in):
///
///     N (8 bytes, little-endian u64) | header (N bytes of JSON) | data
///     header = {"NAME": {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]},
///               ..., "__metadata__": {"KEY": "VALUE"}}
///
/// with offsets in bytes relative to the first byte of data, END - BEGIN = product(shape) *
/// size(dtype), and the values little-endian in row-major order.
///
/// Reading checks everything before allocating: N at most the file's size and 100 MB, the
/// JSON well formed, every dtype known (F64, F32, F16, BF16; an integer or other dtype is
/// refused), shapes non-negative and consistent with their offsets, offsets inside the data
/// and not overlapping, at most 10^8 values in all. Writing stores F32 or F64, tensors in the
/// order given, offsets contiguous from 0, the header padded with spaces to a multiple of 8
/// bytes (as the Python package writes it).
public struct SafeTensorsFile: Sendable, Hashable {
  /// The tensors, in the order of their offsets in the data.
  public var tensors: [SafeTensor]
  /// `__metadata__`: string keys to string values; empty when absent.
  public var metadata: [String: String]

  /// The largest header read: 100 MB.
  public static let maximumHeaderBytes = 100_000_000
  /// The most values read from one file, all tensors together: 10^8.
  public static let maximumValues = 100_000_000

  public init(tensors: [SafeTensor], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The tensor called `name`, if there is one.
  public subscript(name: String) -> SafeTensor? {
    tensors.first { $0.name == name }
  }

  /// One header entry as the JSON gives it.
  private struct Entry: Decodable {
    var dtype: String
    var shape: [Int]
    var data_offsets: [UInt64]
  }

  /// The header: tensor entries and the optional `__metadata__`.
  private struct Header: Decodable {
    var entries: [(String, Entry)] = []
    var metadata: [String: String] = [:]

    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      for key in c.allKeys {
        if key.stringValue == "__metadata__" {
          metadata = try c.decode([String: String].self, forKey: key)
        } else {
          entries.append((key.stringValue, try c.decode(Entry.self, forKey: key)))
        }
      }
    }
  }

  /// Reads a safetensors file's bytes.
  /// - Parameters:
  ///   - data: the whole file.
  ///   - source: the file's path, the field of errors about the file as a whole.
  /// - Throws: `FieldError` naming the file (or `source: NAME` for one tensor), the value
  ///   and what is wrong, for every malformed or hostile input listed on the type.
  public init(data: Data, source: String) throws {
    let bytes = [UInt8](data)
    func refuse(_ value: String, _ reason: String, tensor: String? = nil) -> FieldError {
      let field = tensor.map { "\(source): \(escapedForMessage($0, limit: 60))" } ?? source
      return FieldError(field: field, value: value, reason: reason)
    }
    guard bytes.count >= 8 else {
      throw refuse(
        "\(bytes.count) bytes", "is not a safetensors file (shorter than its 8-byte header length)")
    }
    var n: UInt64 = 0
    for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
    guard n <= UInt64(Self.maximumHeaderBytes) else {
      throw refuse("header length \(n)", "is above the 100 MB limit of a safetensors header")
    }
    guard n <= UInt64(bytes.count - 8) else {
      throw refuse(
        "header length \(n)", "runs past the end of the file (\(bytes.count) bytes)")
    }
    let headerEnd = 8 + Int(n)
    let headerBytes = Data(bytes[8..<headerEnd])
    let header: Header
    do {
      guard headerBytes.first == UInt8(ascii: "{") else { throw CocoaError(.coderReadCorrupt) }
      header = try JSONDecoder().decode(Header.self, from: headerBytes)
    } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
      throw refuse(
        "", "has a header field of the wrong kind (\(Self.path(context.codingPath.dropFirst())))",
        tensor: context.codingPath.first?.stringValue)
    } catch let DecodingError.keyNotFound(key, context) where !context.codingPath.isEmpty {
      throw refuse(
        "", "has no \(key.stringValue) in its header entry",
        tensor: context.codingPath.first?.stringValue)
    } catch {
      // Foundation reports bad syntax and an offset past 2^64 - 1 alike.
      throw refuse(
        "", "is not a safetensors file (its header is not one JSON object of whole numbers in range)")
    }
    let dataLength = UInt64(bytes.count - headerEnd)
    var ranges: [(begin: UInt64, end: UInt64, name: String, dtype: SafeTensor.DType, shape: [Int])] =
      []
    var total: UInt64 = 0
    for (name, entry) in header.entries {
      guard let dtype = SafeTensor.DType(rawValue: entry.dtype) else {
        throw refuse(
          "\"\(escapedForMessage(entry.dtype, limit: 20))\"", "is not a dtype read here (F64, F32, F16, BF16)",
          tensor: name)
      }
      guard entry.data_offsets.count == 2 else {
        throw refuse("\(entry.data_offsets)", "is not a pair [begin, end] of data_offsets", tensor: name)
      }
      let (begin, end) = (entry.data_offsets[0], entry.data_offsets[1])
      guard begin <= end, end <= dataLength else {
        throw refuse(
          "data_offsets [\(begin), \(end)]", "is not inside the data (\(dataLength) bytes)",
          tensor: name)
      }
      // Every count is bounded by the data's length before it is multiplied further.
      var count: UInt64 = 1
      for (i, s) in entry.shape.enumerated() {
        guard s >= 0 else {
          throw refuse("shape[\(i)] \(s)", "is negative", tensor: name)
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: UInt64(s))
        guard !overflow, product <= dataLength else {
          throw refuse(
            "shape \(entry.shape)", "holds more values than the data (\(dataLength) bytes)",
            tensor: name)
        }
        count = product
      }
      guard count * UInt64(dtype.size) == end - begin else {
        throw refuse(
          "shape \(entry.shape)",
          "needs \(count * UInt64(dtype.size)) bytes of \(dtype.rawValue), data_offsets give \(end - begin)",
          tensor: name)
      }
      total += count
      guard total <= UInt64(Self.maximumValues) else {
        throw refuse("", "holds more than 10^8 values", tensor: name)
      }
      ranges.append((begin, end, name, dtype, entry.shape))
    }
    ranges.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    for (a, b) in zip(ranges, ranges.dropFirst()) where b.begin < a.end {
      throw refuse(
        "data_offsets [\(b.begin), \(b.end)]",
        "overlaps \(escapedForMessage(a.name, limit: 60)) [\(a.begin), \(a.end)]", tensor: b.name)
    }
    tensors = ranges.map { r in
      let start = headerEnd + Int(r.begin)
      let count = (Int(r.end) - Int(r.begin)) / r.dtype.size
      let values = (0..<count).map { i in
        Self.value(bytes, at: start + i * r.dtype.size, r.dtype)
      }
      return SafeTensor(name: r.name, dtype: r.dtype, shape: r.shape, values: values)
    }
    metadata = header.metadata
  }

  /// The value stored at `offset` (little-endian), widened exactly to Double.
  private static func value(_ bytes: [UInt8], at offset: Int, _ dtype: SafeTensor.DType) -> Double {
    var bits: UInt64 = 0
    for i in (0..<dtype.size).reversed() { bits = bits << 8 | UInt64(bytes[offset + i]) }
    switch dtype {
    case .f64: return Double(bitPattern: bits)
    case .f32: return Double(Float(bitPattern: UInt32(bits)))
    case .bf16: return Double(Float(bitPattern: UInt32(bits) << 16))
    case .f16: return halfToDouble(UInt16(bits))
    }
  }

  /// An IEEE 754 binary16 value: sign, 5 exponent bits (bias 15), 10 fraction bits.
  ///
  ///     (-1)^s 2^(e - 15) (1 + f / 1024)   for 0 < e < 31;   (-1)^s 2^-14 (f / 1024) for e = 0
  ///
  /// e = 31 is infinity (f = 0) or NaN.
  static func halfToDouble(_ h: UInt16) -> Double {
    let sign: Double = h & 0x8000 != 0 ? -1 : 1
    let e = Int((h >> 10) & 0x1F)
    let f = Double(h & 0x3FF)
    switch e {
    case 0: return sign * (f / 1024) * 0x1p-14
    case 31: return f == 0 ? sign * .infinity : .nan
    default: return sign * (1 + f / 1024) * Double(sign: .plus, exponent: e - 15, significand: 1)
    }
  }

  /// `W_enc.shape[1]` for a coding path.
  private static func path(_ codingPath: some Collection<CodingKey>) -> String {
    codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
      .drop { $0 == "." }.description
  }

  /// The file's bytes: every tensor stored as its `dtype` (F32 or F64).
  /// - Throws: `FieldError` naming the tensor when its dtype is not F32 or F64, its shape's
  ///   product is not its number of values, or a value is not finite in its dtype (as 1e39
  ///   in F32).
  public func data() throws -> Data {
    var header = "{"
    var body: [UInt8] = []
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    for t in tensors {
      guard t.dtype == .f32 || t.dtype == .f64 else {
        throw FieldError(field: t.name, value: t.dtype.rawValue, reason: "is not written (F32 or F64 only)")
      }
      guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
        throw FieldError(
          field: t.name, value: "shape \(t.shape)", reason: "does not hold its \(t.values.count) values")
      }
      let begin = body.count
      for (i, v) in t.values.enumerated() {
        let bits: UInt64
        if t.dtype == .f32 {
          let f = Float(v)
          guard f.isFinite else {
            throw FieldError(field: "\(t.name)[\(i)]", value: "\(v)", reason: "is not a finite F32 number")
          }
          bits = UInt64(f.bitPattern)
        } else {
          guard v.isFinite else {
            throw FieldError(field: "\(t.name)[\(i)]", value: "\(v)", reason: "is not a finite number")
          }
          bits = v.bitPattern
        }
        for b in 0..<t.dtype.size { body.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(b)))) }
      }
      let shape = t.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(Self.quoted(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],"
          + "\"data_offsets\":[\(begin),\(body.count)]}")
    }
    header += entries.joined(separator: ",") + "}"
    var headerBytes = Array(header.utf8)
    while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
    var out: [UInt8] = []
    let n = UInt64(headerBytes.count)
    for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(b)))) }
    out += headerBytes
    out += body
    return Data(out)
  }

  /// A string as a JSON string literal (JSONEncoder's escaping).
  private static func quoted(_ s: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
  }
}
