import XCTest

@testable import ToyModels

final class PatternBatchTests: XCTestCase {
  /// Nine patterns: with B = 100 the first three (p >= 0.08) get binomials, the rest the alias
  /// table.
  let probabilities = [0.5, 0.2, 0.1, 0.05, 0.05, 0.04, 0.03, 0.02, 0.01]
  var patterns: [WeightedPattern] {
    probabilities.enumerated().map { j, p in
      WeightedPattern(weight: p, active: [ActiveFeature(feature: j, magnitude: 1 + Double(j))])
    }
  }

  /// Counts per pattern, indexed like `probabilities`, of one batch.
  func counts(_ batch: PatternBatch, samples: Int) -> [Double] {
    var c = [Double](repeating: 0, count: probabilities.count)
    for q in batch.patterns {
      XCTAssertEqual(q.active.count, 1)
      XCTAssertEqual(q.active[0].magnitude, 1 + Double(q.active[0].feature))
      let count = q.weight * Double(samples)
      XCTAssertEqual(count, count.rounded(), accuracy: 1e-9)
      c[q.active[0].feature] += count.rounded()
    }
    return c
  }

  /// Means, variances and a head-tail covariance of the counts against the multinomial's:
  /// B p_i, B p_i (1 - p_i) and -B p_i p_j.
  func checkMultinomial(_ draw: (PatternBatch) -> Void, line: UInt = #line) {
    let b = 100
    let runs = 20_000
    let batch = PatternBatch()
    var sum = [Double](repeating: 0, count: 9)
    var square = [Double](repeating: 0, count: 9)
    var cross = 0.0
    for _ in 0..<runs {
      draw(batch)
      XCTAssertEqual(batch.samples, b, line: line)
      let c = counts(batch, samples: b)
      XCTAssertEqual(c.reduce(0, +), Double(b), line: line)
      for j in 0..<9 {
        sum[j] += c[j]
        square[j] += c[j] * c[j]
      }
      cross += c[0] * c[4]
    }
    let r = Double(runs)
    for (j, p) in probabilities.enumerated() {
      let mean = sum[j] / r
      let variance = square[j] / r - mean * mean
      let expected = Double(b) * p * (1 - p)
      XCTAssertEqual(mean, Double(b) * p, accuracy: 5 * (expected / r).squareRoot(), line: line)
      // The sample variance's sd is about variance * sqrt(2 / runs) (1% here).
      XCTAssertEqual(variance, expected, accuracy: 0.06 * expected, line: line)
    }
    let covariance = cross / r - (sum[0] / r) * (sum[4] / r)
    let expected = -Double(b) * 0.5 * 0.05
    XCTAssertEqual(covariance, expected, accuracy: 0.4, line: line)
  }

  func testCountsAreMultinomial() {
    let distribution = PatternDistribution(patterns, batch: 100)
    let stream = RandomStream(seed: 1)
    checkMultinomial { distribution.drawCounts(100, stream, into: $0) }
  }

  func testSamplesAreMultinomial() {
    let distribution = PatternDistribution(patterns, batch: 100)
    let stream = RandomStream(seed: 2)
    checkMultinomial { distribution.drawSamples(100, stream, into: $0) }
  }

  /// A batch larger than 8 / p_min: every pattern in the head, no alias table.
  func testCountsWithEveryPatternInTheHead() {
    let distribution = PatternDistribution(patterns, batch: 1000)
    let stream = RandomStream(seed: 3)
    let batch = PatternBatch()
    var total = [Double](repeating: 0, count: 9)
    for _ in 0..<2000 {
      distribution.drawCounts(1000, stream, into: batch)
      for (j, c) in counts(batch, samples: 1000).enumerated() { total[j] += c }
    }
    for (j, p) in probabilities.enumerated() {
      let n = 2000.0 * 1000
      XCTAssertEqual(total[j] / n, p, accuracy: 5 * (p * (1 - p) / n).squareRoot())
    }
  }

  func testExactIsEveryPatternWithItsProbability() {
    let withZero = patterns + [WeightedPattern(weight: 0, active: [])]
    let batch = PatternBatch()
    PatternDistribution(withZero, batch: 10).drawExact(into: batch)
    XCTAssertEqual(batch.patterns, patterns)
    XCTAssertEqual(batch.samples, 0)
  }

  func testSameSeedSameCounts() {
    let distribution = PatternDistribution(patterns, batch: 50)
    func draw(_ seed: UInt64) -> [WeightedPattern] {
      let batch = PatternBatch()
      distribution.drawCounts(50, RandomStream(seed: seed), into: batch)
      return batch.patterns
    }
    XCTAssertEqual(draw(5), draw(5))
    XCTAssertNotEqual(draw(5), draw(6))
  }

  func testAliasTableFrequencies() {
    let weights = [3.0, 0, 1, 0.001, 6, 2]
    let table = AliasTable(weights)
    let stream = RandomStream(seed: 4)
    var c = [Double](repeating: 0, count: weights.count)
    let n = 1_000_000
    for _ in 0..<n { c[table.draw(stream)] += 1 }
    let total = weights.reduce(0, +)
    for (j, w) in weights.enumerated() {
      let p = w / total
      XCTAssertEqual(c[j] / Double(n), p, accuracy: 5 * (p * (1 - p) / Double(n)).squareRoot())
    }
    XCTAssertEqual(c[1], 0)
  }

  func testBatchGrowsAndKeepsItsPatterns() {
    let batch = PatternBatch()
    var expected: [WeightedPattern] = []
    for j in 0..<300 {
      let active = (0..<(j % 7)).map { ActiveFeature(feature: $0 * 3, magnitude: Double(j)) }
      expected.append(WeightedPattern(weight: Double(j), active: active))
      batch.append(weight: Double(j), active: active)
    }
    XCTAssertEqual(batch.patterns, expected)
    batch.removeAll()
    XCTAssertEqual(batch.count, 0)
  }
}
