import XCTest
import _CGSL

@testable import ToyModels

final class RandomStreamTests: XCTestCase {
  /// The words are GSL's MT19937 words, across several refills, for seeds GSL treats specially.
  func testWordsAreGSLsMT19937() {
    for seed: UInt64 in [0, 1, 4357, 123_456_789, 0xFFFF_FFFF, 0x1_0000_0000] {
      let gsl = gsl_rng_alloc(hl_rng_mt19937())!
      defer { gsl_rng_free(gsl) }
      gsl_rng_set(gsl, UInt(seed))
      let stream = RandomStream(seed: seed)
      for i in 0..<3000 {
        let expected = gsl_rng_get(gsl)
        let got = i % 3 == 0 ? UInt(stream.uniform() * 0x1p32) : UInt(stream.next())
        guard got == expected else {
          return XCTFail("seed \(seed), word \(i): \(got) != \(expected)")
        }
      }
    }
  }

  /// GSL's distributions drawn through `gsl` consume the same stream.
  func testGSLDistributionsShareTheStream() {
    let gsl = gsl_rng_alloc(hl_rng_mt19937())!
    defer { gsl_rng_free(gsl) }
    gsl_rng_set(gsl, 11)
    let stream = RandomStream(seed: 11)
    for i in 0..<2000 {
      switch i % 3 {
      case 0: XCTAssertEqual(stream.binomial(4096, 0.3), gsl_ran_binomial(gsl, 0.3, 4096))
      case 1: XCTAssertEqual(stream.binomial(7, 0.01), gsl_ran_binomial(gsl, 0.01, 7))
      default: XCTAssertEqual(UInt(stream.next()), gsl_rng_get(gsl))
      }
    }
  }

  /// Gaussians: Kolmogorov-Smirnov distance to Phi, moments and the tail beyond the ziggurat's
  /// base (r = 3.4426) against their exact values.
  func testGaussiansAreStandardNormal() {
    let stream = RandomStream(seed: 5)
    let count = 1_000_000
    var g = [Double](repeating: 0, count: count)
    g.withUnsafeMutableBufferPointer { stream.fillGaussians($0.baseAddress!, count: count) }
    let mean = g.reduce(0, +) / Double(count)
    let second = g.reduce(0) { $0 + $1 * $1 } / Double(count)
    let fourth = g.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(count)
    XCTAssertEqual(mean, 0, accuracy: 5 / Double(count).squareRoot())
    XCTAssertEqual(second, 1, accuracy: 5 * 2.0.squareRoot() / Double(count).squareRoot())
    XCTAssertEqual(fourth, 3, accuracy: 5 * 96.0.squareRoot() / Double(count).squareRoot())
    g.sort()
    var ks = 0.0
    for (i, x) in g.enumerated() {
      let phi = gsl_cdf_ugaussian_P(x)
      ks = max(ks, abs(phi - Double(i) / Double(count)), abs(phi - Double(i + 1) / Double(count)))
    }
    // P(D > 1.95 / sqrt(N)) ~ 0.001 (Kolmogorov); a wrong layer table shifts D far above it.
    XCTAssertLessThan(ks, 1.95 / Double(count).squareRoot())
    let r = 3.442619855899
    let tail = Double(g.filter { abs($0) > r }.count) / Double(count)
    let p = 2 * gsl_cdf_ugaussian_Q(r)
    XCTAssertEqual(tail, p, accuracy: 5 * (p / Double(count)).squareRoot())
    let far = Double(g.filter { abs($0) > 4 }.count) / Double(count)
    let q = 2 * gsl_cdf_ugaussian_Q(4)
    XCTAssertEqual(far, q, accuracy: 5 * (q / Double(count)).squareRoot())
  }

  /// The bulk fill is `gaussian()` called again and again: same values, same words used.
  func testFillIsRepeatedGaussians() {
    let a = RandomStream(seed: 12)
    let b = RandomStream(seed: 12)
    var filled = [Double](repeating: 0, count: 5000)
    for start in stride(from: 0, to: 5000, by: 700) {
      filled.withUnsafeMutableBufferPointer {
        a.fillGaussians($0.baseAddress! + start, count: min(700, 5000 - start))
      }
    }
    XCTAssertEqual(filled, (0..<5000).map { _ in b.gaussian() })
    XCTAssertEqual(a.next(), b.next())
  }

  func testSameSeedSameGaussians() {
    let a = RandomStream(seed: 9)
    let b = RandomStream(seed: 9)
    let c = RandomStream(seed: 10)
    let xs = (0..<1000).map { _ in a.gaussian() }
    XCTAssertEqual(xs, (0..<1000).map { _ in b.gaussian() })
    XCTAssertNotEqual(xs, (0..<1000).map { _ in c.gaussian() })
  }
}
