import Foundation

/// CSV text written straight into a growing byte buffer, with a fast decimal formatter.
public final class CSVText {
  private var base: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var count = 0
  /// 10^k for k in -340...340, correctly rounded (parsed from "1ek").
  private let powers: [Double]

  public init(capacity: Int = 256) {
    self.capacity = max(capacity, 256)
    base = .allocate(capacity: self.capacity)
    powers = CSVText.powerTable
  }

  deinit { base.deallocate() }

  /// The text so far.
  public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

  /// Hands the text so far to `body`, without copying it.
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(start: base, count: count))
  }

  /// Forgets the text, keeping the buffer.
  public func removeAll() { count = 0 }

  /// Makes room for `n` more bytes and returns where they go.
  @inline(__always)
  private func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
    if count + n > capacity {
      capacity = max(capacity * 2, count + n)
      let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
      grown.update(from: base, count: count)
      base.deallocate()
      base = grown
    }
    return base + count
  }

  /// Appends the shortest decimal that reads back as x (0.035, not 0.03500000000000001):
  /// for the grid's own values, which are decimals the user typed. Negative zero is 0.0.
  public func appendShortest(_ x: Double) {
    if x.isNaN || x.isInfinite { return append(x) }
    append(contentsOf: x == 0 ? "0.0" : x.description)
  }

  /// Appends x with 16 significant digits, trailing zeros dropped (0.25, 0.3,
  /// 0.2324081207560018, 1.5e-7): within 1e-15 relative of x (half a unit in the 16th
  /// digit plus the scaling's rounding), and several times faster than
  /// `Double.description`'s shortest round-trip digits. Non-finite values print as `nan`, `inf`, `-inf`.
  ///
  /// Positional notation for 1e-5 <= |x| < 1e16, scientific otherwise.
  public func append(_ x: Double) {
    if x.isNaN { return append(contentsOf: "nan") }
    if x.isInfinite { return append(contentsOf: x < 0 ? "-inf" : "inf") }
    if x == 0 { return append(contentsOf: "0.0") }
    let v = abs(x)
    // Decimal exponent e with 10^e <= v < 10^(e+1), then 16 digits m = round(v 10^(15-e)).
    var e = Int((Double(v.exponent) * 0.30102999566398120).rounded(.down))
    if v >= power(e + 1) { e += 1 } else if v < power(e) { e -= 1 }
    var m = scaled(v, 15 - e).rounded()
    if m >= 1e16 {
      e += 1
      m = scaled(v, 15 - e).rounded()
    }
    let out = reserve(48)
    let d = out + 32  // the sixteen digits, most significant first
    CSVText.sixteenDigits(UInt64(m), into: d)
    var n = 16
    while n > 1 && d[n &- 1] == 48 { n &-= 1 }
    var p = out
    if x < 0 {
      p.pointee = UInt8(ascii: "-")
      p += 1
    }
    if e >= 16 || e < -5 {
      p = CSVText.scientific(d, n, e, at: p)
    } else if e >= 0 {
      let whole = e &+ 1
      if n >= whole {
        p.update(from: d, count: whole)
        p += whole
      } else {
        p.update(from: d, count: n)
        p.advanced(by: n).update(repeating: 48, count: whole &- n)
        p += whole
      }
      p.pointee = UInt8(ascii: ".")
      p += 1
      if n > whole {
        p.update(from: d + whole, count: n &- whole)
        p += n &- whole
      } else {
        p.pointee = 48
        p += 1
      }
    } else {
      p[0] = 48
      p[1] = UInt8(ascii: ".")
      p += 2
      p.update(repeating: 48, count: -e &- 1)
      p += -e &- 1
      p.update(from: d, count: n)
      p += n
    }
    count &+= p - out
  }

  /// v 10^k; past 10^308 (k up to 339, for subnormal v) in two steps, since 10^k overflows.
  @inline(__always)
  private func scaled(_ v: Double, _ k: Int) -> Double {
    k <= 308 ? v * power(k) : v * power(k - 300) * power(300)
  }

  /// Writes the n significant digits d with exponent e as `d.ddde-e` at p; returns the end.
  @inline(__always)
  private static func scientific(
    _ d: UnsafeMutablePointer<UInt8>, _ n: Int, _ e: Int, at start: UnsafeMutablePointer<UInt8>
  ) -> UnsafeMutablePointer<UInt8> {
    var p = start
    p[0] = d[0]
    p[1] = UInt8(ascii: ".")
    p += 2
    if n > 1 {
      p.update(from: d + 1, count: n &- 1)
      p += n &- 1
    } else {
      p.pointee = 48
      p += 1
    }
    p.pointee = UInt8(ascii: "e")
    p += 1
    if e < 0 {
      p.pointee = UInt8(ascii: "-")
      p += 1
    }
    let a = abs(e)
    if a >= 100 {
      p.pointee = UInt8(truncatingIfNeeded: a / 100) &+ 48
      p += 1
    }
    if a >= 10 {
      p.pointee = UInt8(truncatingIfNeeded: a / 10 % 10) &+ 48
      p += 1
    }
    p.pointee = UInt8(truncatingIfNeeded: a % 10) &+ 48
    return p + 1
  }

  /// Writes v (< 10^16) as exactly sixteen decimal digits, two at a time from a table.
  @inline(__always)
  private static func sixteenDigits(_ v: UInt64, into d: UnsafeMutablePointer<UInt8>) {
    let pairs: StaticString = """
      00010203040506070809101112131415161718192021222324252627282930313233343536373839\
      40414243444546474849505152535455565758596061626364656667686970717273747576777879\
      8081828384858687888990919293949596979899
      """
    let table = pairs.utf8Start
    var v = v
    var i = 14
    while i >= 0 {
      let pair = Int(truncatingIfNeeded: v % 100) &* 2
      v /= 100
      d[i] = table[pair]
      d[i &+ 1] = table[pair &+ 1]
      i &-= 2
    }
  }

  /// 10^k (0 or infinity beyond the table).
  @inline(__always)
  private func power(_ k: Int) -> Double {
    if k >= -340 && k <= 340 { return powers[k + 340] }
    return k > 0 ? .infinity : 0
  }

  private static let powerTable: [Double] = (-340...340).map { Double("1e\($0)")! }

  public func append(_ n: Int) {
    if n < 0 { append(byte: UInt8(ascii: "-")) }
    let out = reserve(20)
    var m = n.magnitude
    var k = 0
    repeat {
      out[k] = UInt8(truncatingIfNeeded: m % 10) &+ 48
      m /= 10
      k += 1
    } while m > 0
    var digits = UnsafeMutableBufferPointer(start: out, count: k)
    digits.reverse()
    count += k
  }

  public func append(_ b: Bool) { append(contentsOf: b ? "true" : "false") }

  public func append(contentsOf s: StaticString) {
    let n = s.utf8CodeUnitCount
    reserve(n).update(from: s.utf8Start, count: n)
    count += n
  }

  public func append(contentsOf s: String) { append(bytes: Array(s.utf8)) }

  /// Appends bytes formatted earlier (a column value shared by many rows).
  public func append(bytes text: [UInt8]) {
    text.withUnsafeBufferPointer {
      reserve($0.count).update(from: $0.baseAddress!, count: $0.count)
    }
    count += text.count
  }

  @inline(__always) public func append(byte: UInt8) {
    reserve(1).pointee = byte
    count += 1
  }

  @inline(__always) public func comma() { append(byte: UInt8(ascii: ",")) }

  @inline(__always) public func newline() { append(byte: UInt8(ascii: "\n")) }
}
