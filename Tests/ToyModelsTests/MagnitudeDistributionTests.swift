import XCTest

@testable import ToyModels

/// Drawn magnitudes: sample moments against the closed forms of the relu-clipped and the
/// folded normal, and the correlated sampler's draws seed for seed.
final class MagnitudeDistributionTests: XCTestCase {
  /// Mean and variance of m over `count` draws of feature i from one stream.
  func moments(_ d: MagnitudeDistribution, _ i: Int, count: Int, seed: UInt64) -> (Double, Double) {
    let stream = RandomStream(seed: seed)
    var s = 0.0
    var s2 = 0.0
    for _ in 0..<count {
      let m = d.magnitude(i, gaussian: stream.gaussian())
      s += m
      s2 += m * m
    }
    let mean = s / Double(count)
    return (mean, s2 / Double(count) - mean * mean)
  }

  func testDrawsHaveTheClosedFormMoments() throws {
    // Closed forms from scipy (X ~ N(mu, s^2), a = mu / s):
    // relu E = mu Phi(a) + s phi(a), E[m^2] = (mu^2 + s^2) Phi(a) + mu s phi(a);
    // folded: scipy.stats.foldnorm(|mu| / s, scale=s).mean() and .var(); truncated:
    // scipy.stats.truncnorm(-mu / s, inf, loc=mu, scale=s).mean() and .var().
    let means = [0.3, -0.5, 1]
    let stds = [1.0, 1, 0.15]
    let relu = try MagnitudeDistribution(.relu, means: means, stds: stds)
    let folded = try MagnitudeDistribution(.folded, means: means, stds: stds)
    let truncated = try MagnitudeDistribution(.truncated, means: means, stds: stds)
    let truncatedMoments = [
      (0.9172208536127344, 0.43387216178174703), (0.6410777703680648, 0.2684804071558784),
      (1.0000000000133664, 0.02249999998663365),
    ]
    let reluMoments = [
      (0.5667612421172099, 0.46672148925787293), (0.19779655740130603, 0.1705157819055257),
      (1.0000000000002824, 0.022499999999423093),
    ]
    let foldedMoments = [
      (0.8335224842344198, 0.3952402682756815), (0.895593114802612, 0.44791297271815556),
      (1.0000000000005649, 0.022499999998870344),
    ]
    // 10^6 draws: the means' standard errors are at most 0.0007 (0.00015 at std 0.15).
    for i in 0..<3 {
      let tolerance = stds[i] * 0.004
      let (rm, rv) = moments(relu, i, count: 1_000_000, seed: UInt64(11 + i))
      XCTAssertEqual(rm, reluMoments[i].0, accuracy: tolerance, "relu mean \(i)")
      XCTAssertEqual(rv, reluMoments[i].1, accuracy: tolerance, "relu variance \(i)")
      let (fm, fv) = moments(folded, i, count: 1_000_000, seed: UInt64(21 + i))
      XCTAssertEqual(fm, foldedMoments[i].0, accuracy: tolerance, "folded mean \(i)")
      XCTAssertEqual(fv, foldedMoments[i].1, accuracy: tolerance, "folded variance \(i)")
      let (tm, tv) = moments(truncated, i, count: 1_000_000, seed: UInt64(31 + i))
      XCTAssertEqual(tm, truncatedMoments[i].0, accuracy: tolerance, "truncated mean \(i)")
      XCTAssertEqual(tv, truncatedMoments[i].1, accuracy: tolerance, "truncated variance \(i)")
    }
    // Every truncated draw is positive, even from the far lower tail.
    for g in [-40.0, -8, -1, 0, 8, 40] { XCTAssertGreaterThan(truncated.magnitude(1, gaussian: g), 0, "\(g)") }
    XCTAssertEqual(truncated.positive[0], 0.6179114221889526, accuracy: 1e-15)
    // relu clips, folding reflects: g = -1 at mean 0.3, std 1 gives -0.7.
    XCTAssertEqual(relu.magnitude(0, gaussian: -1), 0)
    XCTAssertEqual(folded.magnitude(0, gaussian: -1), 0.7, accuracy: 1e-15)
    XCTAssertEqual(MagnitudeDistribution(fixed: [2]).magnitude(0, gaussian: 3), 2)
  }

  func testBadDistributionsAreRefused() {
    XCTAssertThrowsError(try MagnitudeDistribution(.relu, means: [1, 1], stds: [0.1])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "magnitude_std")
    }
    XCTAssertThrowsError(try MagnitudeDistribution(.relu, means: [1, 1], stds: [0.1, -1])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "magnitude_std[1]")
    }
    XCTAssertThrowsError(try MagnitudeDistribution(.fixed, means: [1, 1], stds: [0, 0.2])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "magnitude_distribution")
    }
    XCTAssertThrowsError(try MagnitudeDistribution(.truncated, means: [1, -31], stds: [1, 1])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "magnitude_mean[1]")
    }
    XCTAssertThrowsError(try MagnitudeDistribution(.truncated, means: [1, 0], stds: [1, 0])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "magnitude_mean[1]")
    }
    XCTAssertTrue(try MagnitudeDistribution(.relu, means: [1], stds: [0]).isFixed)
    XCTAssertFalse(try MagnitudeDistribution(.folded, means: [1], stds: [0.1]).isFixed)
  }

  /// Three independent features firing half the time: f0 relu(0.3, 1), f1 fixed at 2, f2
  /// folded(-0.5, 1). Over all draws (0 where a feature is absent), f0's mean is
  /// 0.5 * 0.5667612421172099 = 0.28338062105860495, its mean square 0.5 * E[m^2] =
  /// 0.3939698974120578 and it is present with P = 0.5 Phi(0.3) = 0.3089557110944763 (scipy);
  /// f2 is present whenever it fires (0.5) with mean 0.895593114802612 given it does.
  func testTheSamplerDrawsEachSampleAlone() throws {
    let d = try MagnitudeDistribution(.relu, means: [0.3, 2, -0.5], stds: [1, 0, 1])
    let identity: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    let relu = try CorrelatedFiring(probabilities: [0.5, 0.5, 0.5], magnitudes: d, correlation: identity)
    let folded = try CorrelatedFiring(
      probabilities: [0.5, 0.5, 0.5],
      magnitudes: MagnitudeDistribution(.folded, means: [0.3, 2, -0.5], stds: [1, 0, 1]),
      correlation: identity)
    XCTAssertEqual(relu.magnitudes, [0.3, 2, -0.5])
    XCTAssertEqual(relu.scaled(by: 0.5).magnitudeDistribution, d)
    let stream = RandomStream(seed: 5)
    let batch = PatternBatch()
    let n = 400_000
    var sum = [0.0, 0.0, 0.0]
    var square = 0.0
    var present = [0.0, 0.0, 0.0]
    for q in Self.drawnAlone(CorrelatedFiring.Sampler(relu), n, chunk: 1000, stream) {
      for a in q.active {
        sum[a.feature] += a.magnitude
        present[a.feature] += 1
        if a.feature == 0 { square += a.magnitude * a.magnitude }
        if a.feature == 1 { XCTAssertEqual(a.magnitude, 2) }
      }
    }
    let total = Double(n)
    // Standard errors about 0.0009, 0.0013 and 0.0007.
    XCTAssertEqual(sum[0] / total, 0.28338062105860495, accuracy: 0.004)
    XCTAssertEqual(square / total, 0.3939698974120578, accuracy: 0.006)
    XCTAssertEqual(present[0] / total, 0.3089557110944763, accuracy: 0.004)
    XCTAssertEqual(present[1] / total, 0.5, accuracy: 0.004)
    XCTAssertEqual(sum[1] / present[1], 2, accuracy: 1e-12)
    let foldedSampler = CorrelatedFiring.Sampler(folded)
    var folds = 0.0
    var fires = 0.0
    for _ in 0..<(n / 1000) {
      foldedSampler.draw(1000, stream, into: batch)
      for q in batch.patterns { for a in q.active where a.feature == 2 { folds += a.magnitude; fires += 1 } }
    }
    XCTAssertEqual(fires / total, 0.5, accuracy: 0.004)
    XCTAssertEqual(folds / fires, 0.895593114802612, accuracy: 0.005)
  }

  /// `samples` draws of `sampler` in batches of `chunk`, checked to be drawn alone (each its
  /// own pattern of weight 1 / chunk, every magnitude above 0).
  static func drawnAlone(
    _ sampler: any FiringSampler, _ samples: Int, chunk: Int, _ stream: RandomStream
  ) -> [WeightedPattern] {
    let batch = PatternBatch()
    var all: [WeightedPattern] = []
    for _ in 0..<(samples / chunk) {
      sampler.draw(chunk, stream, into: batch)
      XCTAssertEqual(batch.count, chunk)  // never merged
      XCTAssertEqual(batch.samples, chunk)
      for q in batch.patterns {
        XCTAssertEqual(q.weight, 1.0 / Double(chunk))
        for a in q.active { XCTAssertGreaterThan(a.magnitude, 0) }
        all.append(q)
      }
    }
    return all
  }

  func testSameSeedSameDrawnBatchAndFixedBatchesUnchanged() throws {
    let c: [[Double]] = [[1, 0.4], [0.4, 1]]
    let drawn = try CorrelatedFiring(
      probabilities: [0.3, 0.6],
      magnitudes: MagnitudeDistribution(.relu, means: [1, 1], stds: [0.15, 0.15]), correlation: c)
    func batch(_ f: CorrelatedFiring, seed: UInt64) -> [WeightedPattern] {
      let b = PatternBatch()
      CorrelatedFiring.Sampler(f).draw(700, RandomStream(seed: seed), into: b)
      return b.patterns
    }
    XCTAssertEqual(batch(drawn, seed: 3), batch(drawn, seed: 3))
    XCTAssertNotEqual(batch(drawn, seed: 3), batch(drawn, seed: 4))
    // Same firing as the fixed toy on the first block (the magnitudes' gaussians come after
    // the block's firing gaussians), magnitudes near 1.
    let fixed = try CorrelatedFiring(probabilities: [0.3, 0.6], correlation: c)
    let firstDrawn = batch(drawn, seed: 3).prefix(128).map { $0.active.map(\.feature) }
    let stream = RandomStream(seed: 3)
    let b = PatternBatch()
    CorrelatedFiring.Sampler(fixed).draw(128, stream, into: b)
    var counts: [[Int]: Double] = [:]
    for q in b.patterns { counts[q.active.map(\.feature)] = q.weight * 128 }
    var drawnCounts: [[Int]: Double] = [:]
    for f in firstDrawn { drawnCounts[f, default: 0] += 1 }
    XCTAssertEqual(drawnCounts, counts)
  }
}
