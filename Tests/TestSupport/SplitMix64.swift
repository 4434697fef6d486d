// What the test targets share. A regular target that only test targets depend on.

/// SplitMix64: a small, seeded, platform-independent generator for reproducible tests,
/// independent of GSL (so it never shares a stream with the code under test).
///
///     state += 0x9E3779B97F4A7C15
///     z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9
///     z = (z ^ (z >> 27)) * 0x94D049BB133111EB
///     next = z ^ (z >> 31)
///
/// (Vigna's splitmix64.c; from seed 0 the first value is 0xE220A8397B1DCDAF.)
public struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  /// - Parameter seed: any value; the same seed gives the same sequence.
  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [a, b): a + (b - a) u with u = (next >> 11) 2^-53.
  public mutating func uniform(_ a: Double, _ b: Double) -> Double {
    a + (b - a) * Double(next() >> 11) * 0x1p-53
  }

  /// True with probability p.
  public mutating func chance(_ p: Double) -> Bool { uniform(0, 1) < p }
}
