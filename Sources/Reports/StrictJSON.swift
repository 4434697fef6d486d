import Foundation

/// Reading JSON strictly where Foundation's parsers are lenient.
public enum StrictJSON {
  /// The first key that appears twice in one object of valid JSON `data` (a JSON parser
  /// keeps the last silently), as a dotted path (`train.loss`), or nil.
  public static func firstDuplicateKey(in data: Data) -> String? {
    let bytes = [UInt8](data)
    // Per open container: its keys so far (nil for an array), and the key being read.
    var stack: [(keys: Set<String>?, current: String)] = []
    var expectKey = false
    var i = 0
    while i < bytes.count {
      let c = bytes[i]
      switch c {
      case UInt8(ascii: "{"):
        stack.append((Set(), ""))
        expectKey = true
      case UInt8(ascii: "["):
        stack.append((nil, ""))
        expectKey = false
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        stack.removeLast()
        expectKey = false
      case UInt8(ascii: ","):
        expectKey = stack.last?.keys != nil
      case UInt8(ascii: "\""):
        var j = i + 1
        while j < bytes.count && bytes[j] != UInt8(ascii: "\"") {
          j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1
        }
        if expectKey, var top = stack.last, top.keys != nil {
          let literal = Data(bytes[i...min(j, bytes.count - 1)])
          let key =
            (try? JSONSerialization.jsonObject(with: literal, options: [.fragmentsAllowed]))
            as? String ?? ""
          if top.keys!.contains(key) {
            let outer = stack.dropLast().map(\.current).filter { !$0.isEmpty }
            return (outer + [key]).joined(separator: ".")
          }
          top.keys!.insert(key)
          top.current = key
          stack[stack.count - 1] = top
          expectKey = false
        }
        i = j
      default: break
      }
      i += 1
    }
    return nil
  }

  /// The byte offset of the first comma that closes nothing (`[1, 2,]`, `{"a": 1,}`) in JSON
  /// `data`, which RFC 8259 forbids and Foundation's parser accepts; nil when there is none.
  public static func firstTrailingComma(in data: Data) -> Int? {
    let bytes = [UInt8](data)
    var i = 0
    while i < bytes.count {
      switch bytes[i] {
      case UInt8(ascii: "\""):
        i += 1
        while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
          i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
        }
      case UInt8(ascii: ","):
        var j = i + 1
        while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]) { j += 1 }
        if j < bytes.count && (bytes[j] == UInt8(ascii: "}") || bytes[j] == UInt8(ascii: "]")) {
          return i
        }
      default: break
      }
      i += 1
    }
    return nil
  }
}
