import XCTest

@testable import ToyModels

final class CorrelatedFiringTests: XCTestCase {
  let c: [[Double]] = [[1, 0.3, 0.5], [0.3, 1, -0.2], [0.5, -0.2, 1]]
  let p = [0.25, 0.1, 0.4]

  func testThresholdsAreTheGaussianQuantiles() throws {
    let f = try CorrelatedFiring(probabilities: p, correlation: c)
    // scipy.stats.norm.ppf(1 - p)
    let expected = [0.6744897501960817, 1.2815515655446004, 0.2533471031357997]
    for i in 0..<3 { XCTAssertEqual(f.thresholds[i], expected[i], accuracy: 1e-12) }
    // L L^T = C
    for i in 0..<3 {
      for j in 0..<3 {
        let v = (0..<3).reduce(0.0) { $0 + f.cholesky[i * 3 + $1] * f.cholesky[j * 3 + $1] }
        XCTAssertEqual(v, c[i][j], accuracy: 1e-14)
      }
    }
  }

  /// Sample frequencies against orthant probabilities from scipy's multivariate normal cdf.
  func testSamplesMatchTheOrthantProbabilities() throws {
    let f = try CorrelatedFiring(probabilities: p, correlation: c)
    let stream = RandomStream(seed: 7)
    let sampler = CorrelatedFiring.Sampler(f)
    let batch = PatternBatch()
    let n = 400_000
    var single = [0.0, 0.0, 0.0]
    var all = 0.0
    var pair02 = 0.0
    var pair12 = 0.0
    var pair01 = 0.0
    for _ in 0..<(n / 4000) {
      sampler.draw(4000, stream, into: batch)
      let patterns = batch.patterns
      XCTAssertEqual(Set(patterns.map { $0.active.map(\.feature) }).count, patterns.count)
      XCTAssertEqual(patterns.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-12)
      for q in patterns {
        let on = Set(q.active.map(\.feature))
        let count = q.weight * 4000
        for i in on { single[i] += count }
        if on.count == 3 { all += count }
        if on.contains(0) && on.contains(2) { pair02 += count }
        if on.contains(1) && on.contains(2) { pair12 += count }
        if on.contains(0) && on.contains(1) { pair01 += count }
      }
    }
    func check(_ count: Double, _ q: Double, line: UInt = #line) {
      let sd = (q * (1 - q) / Double(n)).squareRoot()
      XCTAssertEqual(count / Double(n), q, accuracy: 5 * sd, line: line)
    }
    for i in 0..<3 { check(single[i], p[i]) }
    check(all, 0.019952004000083384)
    check(pair02, 0.16583629418903756)
    check(pair12, 0.026942030312929632)
    check(pair01, 0.0438669134028703)
  }

  /// More than 64 features: masks of two words. Independent features (C = I) fire with their
  /// own probabilities, and features 0 and 69 together with the product.
  func testSeventyFeaturesUseTwoWordMasks() throws {
    let n = 70
    let p = (0..<n).map { 0.05 + 0.3 * Double($0) / Double(n) }
    let eye = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    let sampler = CorrelatedFiring.Sampler(try CorrelatedFiring(probabilities: p, correlation: eye))
    let stream = RandomStream(seed: 2)
    let batch = PatternBatch()
    var fired = [Double](repeating: 0, count: n)
    var both = 0.0
    let runs = 50
    for _ in 0..<runs {
      sampler.draw(2000, stream, into: batch)
      let patterns = batch.patterns
      XCTAssertEqual(Set(patterns.map { $0.active.map(\.feature) }).count, patterns.count)
      for q in patterns {
        let on = q.active.map(\.feature)
        XCTAssertEqual(on, on.sorted())
        for f in on { fired[f] += q.weight * 2000 }
        if on.first == 0 && on.last == n - 1 { both += q.weight * 2000 }
      }
    }
    let total = Double(runs * 2000)
    for f in 0..<n {
      XCTAssertEqual(fired[f] / total, p[f], accuracy: 5 * (p[f] * (1 - p[f]) / total).squareRoot())
    }
    let q = p[0] * p[n - 1]
    XCTAssertEqual(both / total, q, accuracy: 5 * (q * (1 - q) / total).squareRoot())
  }

  func testSameSeedSameBatch() throws {
    let f = try CorrelatedFiring(probabilities: p, correlation: c)
    func draw(_ seed: UInt64) -> [WeightedPattern] {
      let batch = PatternBatch()
      CorrelatedFiring.Sampler(f).draw(1000, RandomStream(seed: seed), into: batch)
      return batch.patterns
    }
    XCTAssertEqual(draw(3), draw(3))
    XCTAssertNotEqual(draw(3), draw(4))
  }

  func testRandomCorrelationHasThePapersStructure() throws {
    let c = CorrelatedFiring.randomCorrelation(features: 20, main: 5, strength: 0.6, seed: 3)
    XCTAssertEqual(
      c, CorrelatedFiring.randomCorrelation(features: 20, main: 5, strength: 0.6, seed: 3))
    XCTAssertNotEqual(
      c, CorrelatedFiring.randomCorrelation(features: 20, main: 5, strength: 0.6, seed: 4))
    var nonzero = 0
    for i in 0..<20 {
      XCTAssertEqual(c[i][i], 1)
      for j in 0..<20 where j != i {
        XCTAssertEqual(c[i][j], c[j][i])
        if i < 5 && j < 5 { XCTAssertEqual(c[i][j], 0) } else if c[i][j] != 0 { nonzero += 1 }
      }
    }
    XCTAssertEqual(nonzero, 20 * 19 - 5 * 4)
    XCTAssertNoThrow(
      try CorrelatedFiring(probabilities: [Double](repeating: 0.1, count: 20), correlation: c))
  }

  func testBadInputIsRefused() {
    XCTAssertThrowsError(
      try CorrelatedFiring(probabilities: [0.1, 1], correlation: [[1, 0], [0, 1]])
    ) {
      XCTAssertTrue("\($0)".contains("probabilities[1]"))
    }
    XCTAssertThrowsError(
      try CorrelatedFiring(probabilities: [0.1, 0.2], correlation: [[1, 1.5], [1.5, 1]])
    ) { XCTAssertTrue("\($0)".contains("positive definite")) }
    XCTAssertThrowsError(
      try CorrelatedFiring(probabilities: [0.1, 0.2], correlation: [[1, 0.5], [0.4, 1]]))
  }

  /// Issue 21 item 16: the sampler takes room for distinct masks as they come, not for every
  /// sample of the batch. 20 independent features at p = 0.5 drawn 200,000 times give about
  /// 2^20 (1 - exp(-200000 / 2^20)) = 182,000 distinct masks, so the table grows past its
  /// first 65,536 twice; no mask may be lost or counted twice.
  func testTheSamplerGrowsItsTableAsMasksCome() throws {
    let n = 20
    let identity = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    let f = try CorrelatedFiring(
      probabilities: [Double](repeating: 0.5, count: n), correlation: identity)
    let batch = PatternBatch()
    CorrelatedFiring.Sampler(f).draw(200_000, RandomStream(seed: 3), into: batch)
    let patterns = batch.patterns
    XCTAssertGreaterThan(patterns.count, 2 * CorrelatedFiring.Sampler.initialCapacity)
    XCTAssertEqual(Set(patterns.map { $0.active.map(\.feature) }).count, patterns.count)
    XCTAssertEqual(patterns.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-9)
    let counts = patterns.map { ($0.weight * 200_000).rounded() }
    XCTAssertEqual(counts.reduce(0, +), 200_000)
    XCTAssertEqual(Double(patterns.count), 182_000, accuracy: 2_000)
  }
}
