/// CSV text written straight into bytes, with a fast decimal formatter for numbers.
struct CSVText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Appends x with 16 significant digits, trailing zeros dropped (0.25, 0.3,
    /// 0.2324081207560018, 1.5e-07): at most about 2 ulp from x, so exact to 1e-15
    /// relative, and several times faster than `Double.description`'s shortest
    /// round-trip digits. Non-finite values print as `nan`, `inf`, `-inf`.
    ///
    /// Positional notation for 1e-5 <= |x| < 1e16, scientific otherwise.
    mutating func append(_ x: Double) {
        if x.isNaN { return append(contentsOf: "nan") }
        if x.isInfinite { return append(contentsOf: x < 0 ? "-inf" : "inf") }
        if x == 0 { return append(contentsOf: "0.0") }
        let v = abs(x)
        // Decimal exponent e with 10^e <= v < 10^(e+1), then 16 digits m = round(v 10^(15-e)).
        var e = Int((Double(v.exponent) * 0.30102999566398120).rounded(.down))
        if v >= CSVText.power(e + 1) { e += 1 } else if v < CSVText.power(e) { e -= 1 }
        var m = (v * CSVText.power(15 - e)).rounded()
        if m >= 1e16 {
            e += 1
            m = (v * CSVText.power(15 - e)).rounded()
        }
        let digits = UInt64(m)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            let out = buffer.baseAddress!
            let d = out + 40  // the sixteen digits, most significant first
            CSVText.eightDigits(UInt32(truncatingIfNeeded: digits / 100_000_000), into: d)
            CSVText.eightDigits(UInt32(truncatingIfNeeded: digits % 100_000_000), into: d + 8)
            var n = 16
            while n > 1 && d[n - 1] == 48 { n -= 1 }
            var k = 0
            if x < 0 { out[k] = UInt8(ascii: "-"); k += 1 }
            if e >= 16 || e < -5 {
                out[k] = d[0]; k += 1
                out[k] = UInt8(ascii: "."); k += 1
                if n > 1 { for i in 1..<n { out[k] = d[i]; k += 1 } } else { out[k] = 48; k += 1 }
                out[k] = UInt8(ascii: "e"); k += 1
                if e < 0 { out[k] = UInt8(ascii: "-"); k += 1 }
                let a = abs(e)
                if a >= 100 { out[k] = UInt8(truncatingIfNeeded: a / 100) + 48; k += 1 }
                if a >= 10 { out[k] = UInt8(truncatingIfNeeded: a / 10 % 10) + 48; k += 1 }
                out[k] = UInt8(truncatingIfNeeded: a % 10) + 48; k += 1
            } else if e >= 0 {
                let whole = e + 1
                for i in 0..<whole { out[k] = i < n ? d[i] : 48; k += 1 }
                out[k] = UInt8(ascii: "."); k += 1
                if n > whole { for i in whole..<n { out[k] = d[i]; k += 1 } } else { out[k] = 48; k += 1 }
            } else {
                out[k] = 48; k += 1
                out[k] = UInt8(ascii: "."); k += 1
                for _ in 0..<(-e - 1) { out[k] = 48; k += 1 }
                for i in 0..<n { out[k] = d[i]; k += 1 }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: k))
        }
    }

    /// Writes v (< 10^8) as exactly eight decimal digits.
    @inline(__always)
    private static func eightDigits(_ v: UInt32, into p: UnsafeMutablePointer<UInt8>) {
        var v = v
        for i in stride(from: 6, through: 0, by: -2) {
            let pair = Int(v % 100)
            v /= 100
            p[i] = UInt8(truncatingIfNeeded: pair / 10) + 48
            p[i + 1] = UInt8(truncatingIfNeeded: pair % 10) + 48
        }
    }

    /// 10^k as a Double (exact for |k| <= 22; correctly rounded by the table otherwise).
    static func power(_ k: Int) -> Double {
        if k >= -340 && k <= 340 { return powers[k + 340] }
        return k > 0 ? .infinity : 0
    }

    private static let powers: [Double] = (-340...340).map { k in
        // Built from exact decimal strings, so each entry is the correctly rounded 10^k.
        Double("1e\(k)")!
    }

    mutating func append(_ n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = n.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: m % 10) + 48)
            m /= 10
        } while m > 0
        bytes[start...].reverse()
    }

    mutating func append(_ b: Bool) {
        let word: StaticString = b ? "true" : "false"
        bytes.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    mutating func append(contentsOf s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    mutating func newline() { bytes.append(UInt8(ascii: "\n")) }
}
