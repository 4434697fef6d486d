import ToyModels

@testable import SparseAutoencoders

/// A linear congruential generator: random test cases independent of the code under test.
struct LCG {
  var s: UInt64
  mutating func next() -> Double {
    s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(s >> 11) * 0x1p-53 * 2 - 1
  }
}

/// A random toy (n = 5 features) of a dozen patterns with random weights and magnitudes.
func randomPatterns(_ r: inout LCG) -> [WeightedPattern] {
  (0..<12).map { j in
    let active = (0..<5).filter { _ in r.next() > 0.2 }.map {
      ActiveFeature(feature: $0, magnitude: 1 + 0.5 * r.next())
    }
    return WeightedPattern(weight: 0.05 + 0.1 * abs(r.next()) + Double(j) * 0.001, active: active)
  }
}

/// A random SAE of 4 latents on `dimensions` dimensions.
func randomSAE(
  _ r: inout LCG, tied: Bool, activation: SAE.Activation, prefixes: [Int]?, dimensions: Int = 5,
  balance: Double? = nil, l1PerPrefix: Bool = false
) throws -> SAE {
  let rows = { (r: inout LCG) in (0..<4).map { _ in (0..<dimensions).map { _ in r.next() } } }
  let dec = rows(&r)
  let enc = rows(&r)
  return try SAE(
    decoder: dec, decoderBias: (0..<dimensions).map { _ in 0.2 * r.next() },
    encoder: tied ? nil : enc, encoderBias: (0..<4).map { _ in 0.2 * r.next() },
    activation: activation, prefixes: prefixes, balance: balance,
    l1PerPrefix: l1PerPrefix)
}
