import Foundation
import ToyModels
import XCTest

@testable import SparseAutoencoders

final class SAEEnsembleTests: XCTestCase {
  /// Two hand-made relu SAEs of 2 latents on 3 features and four weighted patterns; the
  /// expected numbers come from a throwaway numpy script (/tmp/ref.py in the commit message's
  /// words: g(x) = relu(E (x - b) + c) D + b, bagging the mean, boosting r <- r - g(r)).
  func handMade() throws -> (SAE, SAE, [WeightedPattern]) {
    let a = try SAE(
      decoder: [[1, 0, 0], [0, 0.6, 0.8]], decoderBias: [0.1, 0, -0.1],
      encoder: [[0.9, 0.1, 0], [0, 1, 0.5]], encoderBias: [0, -0.2])
    let b = try SAE(
      decoder: [[0.6, 0.8, 0], [0, 0, 1]], decoderBias: [0, 0.05, 0],
      encoder: [[0.5, 0.5, 0], [0.1, 0, 1]], encoderBias: [-0.1, 0])
    let patterns = [
      WeightedPattern(weight: 0.4, active: []),
      WeightedPattern(weight: 0.3, active: [.init(feature: 0, magnitude: 1)]),
      WeightedPattern(
        weight: 0.2, active: [.init(feature: 0, magnitude: 1), .init(feature: 1, magnitude: 0.5)]),
      WeightedPattern(weight: 0.1, active: [.init(feature: 2, magnitude: 2)]),
    ]
    return (a, b, patterns)
  }

  func testEnsembleMSEMatchesNumpy() throws {
    let (a, b, patterns) = try handMade()
    let bagging = SAEEnsemble(method: .bagging, members: [a, b])
    let boosting = SAEEnsemble(method: .boosting, members: [a, b])
    XCTAssertEqual(bagging.mse(on: patterns, members: 1), 0.26570000000000005, accuracy: 1e-14)
    XCTAssertEqual(bagging.mse(on: patterns), 0.154965625, accuracy: 1e-14)
    XCTAssertEqual(boosting.mse(on: patterns), 0.05579830000000001, accuracy: 1e-14)
    // One member alone is the SAE alone (the trainer's exact metric, another code path).
    let toy = ToyModel(features: ["f0", "f1", "f2"], firing: .enumerable(patterns))
    XCTAssertEqual(boosting.mse(on: patterns, members: 1), try a.metrics(on: toy).mse, accuracy: 1e-15)
  }

  func testDiversityStabilityAndHedgingMassByHand() throws {
    let (a, b, _) = try handMade()
    let ensemble = SAEEnsemble(method: .bagging, members: [a, b])
    // |cos| between A's rows (1,0,0), (0,.6,.8) and B's (.6,.8,0), (0,0,1): [[.6, 0], [.48, .8]].
    XCTAssertEqual(ensemble.diversity!, 0.7, accuracy: 1e-15)
    XCTAssertNil(SAEEnsemble(method: .bagging, members: [a]).diversity)
    let onlyA = SAEEnsemble(method: .bagging, members: [a])
    let onlyB = SAEEnsemble(method: .bagging, members: [b])
    XCTAssertEqual(onlyA.stability(against: onlyB), 0.7, accuracy: 1e-15)
    XCTAssertEqual(ensemble.stability(against: ensemble), 1, accuracy: 1e-15)
    // (0, .6, .8) tracks feature 2, mass .6^2; (.6, .8, 0) tracks feature 1, mass .6^2.
    let mass = ensemble.hedgingMass
    XCTAssertEqual(mass[0][0], 0, accuracy: 1e-15)
    XCTAssertEqual(mass[0][1], 0.36, accuracy: 1e-15)
    XCTAssertEqual(mass[1][0], 0.36, accuracy: 1e-15)
    XCTAssertEqual(mass[1][1], 0, accuracy: 1e-15)
  }

  func testBaggingIdenticalMembersIsTheSingleSAE() throws {
    var r = LCG(s: 11)
    let patterns = randomPatterns(&r)
    let sae = try randomSAE(&r, tied: false, activation: .relu, prefixes: nil)
    let toy = ToyModel(features: (0..<5).map { "f\($0)" }, firing: .enumerable(patterns))
    let single = try sae.metrics(on: toy).mse
    for n in [1, 2, 5] {
      let e = SAEEnsemble(method: .bagging, members: Array(repeating: sae, count: n))
      XCTAssertEqual(e.mse(on: patterns), single, accuracy: 1e-13 * max(1, single))
      XCTAssertEqual(e.mse(on: patterns, members: 1), single, accuracy: 1e-13 * max(1, single))
    }
    XCTAssertEqual(
      SAEEnsemble(method: .bagging, members: [sae, sae, sae]).diversity!, 1, accuracy: 1e-12)
  }

  /// The residual as a sparse pattern over the extended basis equals the residual computed
  /// densely here, by a forward pass written out in the test, on random SAEs (d = n and d > n).
  func testExtendedBasisResidualIsTheDenseResidual() throws {
    var r = LCG(s: 5)
    for dimensions in [5, 7] {
      for activation in [SAE.Activation.relu, .topK(2)] {
        let patterns = randomPatterns(&r)
        let basis: [[Double]]? =
          dimensions == 5 ? nil : FeatureEmbedding(features: 5, dimension: 7, seed: 3).basis
        let members = try (0..<3).map { _ in
          try randomSAE(
            &r, tied: false, activation: activation, prefixes: nil, dimensions: dimensions)
        }
        let ensemble = SAEEnsemble(method: .boosting, members: members, basis: basis)
        let (extended, rows) = ensemble.residualPatterns(patterns, features: 5)
        XCTAssertEqual(rows.count, 5 + 3 * 4 + 3)
        for (p, e) in zip(patterns, extended) {
          XCTAssertEqual(p.weight, e.weight)
          // Dense: x, then r <- r - g(r) member by member.
          var x = [Double](repeating: 0, count: dimensions)
          for a in p.active {
            for c in 0..<dimensions {
              x[c] += a.magnitude * (basis?[a.feature][c] ?? (c == a.feature ? 1 : 0))
            }
          }
          var dense = x
          for g in members { dense = zip(dense, forward(g, dense)).map { $0 - $1 } }
          var sparse = [Double](repeating: 0, count: dimensions)
          for a in e.active {
            for c in 0..<dimensions { sparse[c] += a.magnitude * rows[a.feature][c] }
          }
          for c in 0..<dimensions { XCTAssertEqual(sparse[c], dense[c], accuracy: 1e-12) }
          XCTAssertEqual(e.active.map(\.feature), e.active.map(\.feature).sorted())
        }
        // The last residual is the ensemble's error: its mean square is the ensemble's mse.
        let errors = extended.map { p in
          p.active.reduce(into: [Double](repeating: 0, count: dimensions)) { s, a in
            for c in 0..<dimensions { s[c] += a.magnitude * rows[a.feature][c] }
          }
        }
        let mse = zip(extended, errors).reduce(0.0) {
          $0 + $1.0.weight * $1.1.reduce(0) { $0 + $1 * $1 }
        }
        XCTAssertEqual(ensemble.mse(on: patterns), mse, accuracy: 1e-12)
      }
    }
  }

  /// g(x) = h D + b with a = E (x - b) + c; relu or the top k positive (ties: lower index).
  private func forward(_ g: SAE, _ x: [Double]) -> [Double] {
    let d = g.dimensions
    var a = [Double](repeating: 0, count: g.latents)
    for i in 0..<g.latents {
      a[i] = g.encoderBias[i]
      for c in 0..<d { a[i] += g.encoder[i * d + c] * (x[c] - g.decoderBias[c]) }
    }
    var keep = a.map { $0 > 0 }
    if case .topK(let k) = g.activation {
      let order = a.indices.sorted { a[$0] > a[$1] || (a[$0] == a[$1] && $0 < $1) }
      keep = a.indices.map { i in order.prefix(k).contains(i) && a[i] > 0 }
    }
    var out = g.decoderBias
    for i in 0..<g.latents where keep[i] {
      for c in 0..<d { out[c] += a[i] * g.decoder[i * d + c] }
    }
    return out
  }

  /// The patterns entry and the toy entry are one loop: on the toy's own patterns (no basis,
  /// d = n) they give the same bits, for exact and counts data.
  func testPatternEntryIsTheToyEntry() throws {
    var r = LCG(s: 2)
    let patterns = randomPatterns(&r)
    let toy = ToyModel(features: (0..<5).map { "f\($0)" }, firing: .enumerable(patterns))
    let start = try randomSAE(&r, tied: false, activation: .relu, prefixes: nil)
    for data in [SAETrainingPlan.Data.exact, .counts] {
      var plan = SAETrainingPlan()
      plan.data = data
      plan.steps = 50
      plan.batch = 256
      plan.l1 = 0.01
      plan.initialNoise = 0.05
      let a = try start.trainingRun(on: toy, plan).sae
      let b = try start.trainingRun(on: patterns, basis: nil, plan).sae
      XCTAssertEqual(a, b, "\(data)")
    }
    var plan = SAETrainingPlan()
    plan.dimension = 6
    XCTAssertThrowsError(try start.trainingRun(on: patterns, basis: nil, plan)) {
      XCTAssert("\($0)".hasPrefix("dimension: 6"), "\($0)")
    }
    XCTAssertThrowsError(try start.trainingRun(on: patterns, basis: [[1, 0]], SAETrainingPlan())) {
      XCTAssert("\($0)".hasPrefix("basis[0]: 2 values"), "\($0)")
    }
  }

  /// A hierarchy toy: parent (0.25) with three children (0.2 each given the parent).
  func hierarchy() throws -> ToyModel {
    try HierarchyToy(
      featureCount: 4,
      groups: [
        .init(
          parent: 0, probability: 0.25,
          children: (1...3).map { .init(feature: $0, probability: 0.2) },
          exclusiveChildren: false)
      ]
    ).toyModel()
  }

  func plan(steps: Int = 400) -> SAETrainingPlan {
    var p = SAETrainingPlan()
    p.steps = steps
    p.learningRate = 0.01
    p.l1 = 0.01
    p.seed = 3
    return p
  }

  /// Member j is the single SAE of seed + j (bagging); boosting's first member is bagging's;
  /// a boosted member's own exact mse on its residual patterns is the ensemble's mse so far,
  /// and boosting lowers it.
  func testTrainedEnsembleMembers() throws {
    let toy = try hierarchy()
    let architecture = SAEArchitecture(latents: 2)
    let bagging = try SAEEnsemble.train(
      .bagging, members: 3, architecture: architecture, toy: toy, plan: plan())
    for j in 0..<3 {
      var p = plan()
      p.seed += UInt64(j)
      let single = try architecture.initialSAE(dimensions: 4, seed: p.seed).trainingRun(on: toy, p)
      XCTAssertEqual(bagging.members[j], single.sae)
    }
    let boosting = try SAEEnsemble.train(
      .boosting, members: 3, architecture: architecture, toy: toy, plan: plan())
    XCTAssertEqual(boosting.members[0], bagging.members[0])
    XCTAssertNotEqual(boosting.members[1], bagging.members[1])
    let patterns = toy.patterns!
    let firstTwo = SAEEnsemble(method: .boosting, members: Array(boosting.members.prefix(2)))
    let (residual, rows) = SAEEnsemble(method: .boosting, members: [boosting.members[0]])
      .residualPatterns(patterns, features: 4)
    let own = try boosting.members[1].metrics(
      on: ToyModel(features: rows.indices.map { "r\($0)" }, firing: .enumerable(residual)),
      basis: rows
    ).mse
    XCTAssertEqual(own, firstTwo.mse(on: patterns), accuracy: 1e-12)
    XCTAssertLessThan(boosting.mse(on: patterns), 0.5 * boosting.mse(on: patterns, members: 1))
  }

  func testReportKeysAndDeterminism() throws {
    let toy = try hierarchy()
    let make = {
      try SAEEnsembleReport(
        .boosting, members: 2, architecture: SAEArchitecture(latents: 2), toy: toy,
        plan: self.plan(steps: 100))
    }
    let a = try make()
    XCTAssertEqual(a, try make())
    XCTAssertEqual(a.mseByMembers.count, 2)
    XCTAssertEqual(a.singleMSE, a.mseByMembers[0])
    XCTAssertEqual(a.hedgingMass.map(\.count), [2, 2])
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
    XCTAssertEqual(
      Set(json.keys),
      [
        "method", "members", "seed", "mse", "single_mse", "mse_by_members", "diversity",
        "stability",
        "hedging_mass", "tracked_feature",
      ])
    var sampled = SAETrainingPlan()
    sampled.seed = UInt64(UInt32.max) - 2
    XCTAssertThrowsError(
      try SAEEnsembleReport(
        .bagging, members: 2, architecture: SAEArchitecture(latents: 1), toy: toy, plan: sampled)
    ) { XCTAssert("\($0)".hasPrefix("seed: "), "\($0)") }
  }

  /// The standard error by hand: errors 1 (weight 0.75) and 3 (0.25) over N = 4 draws are the
  /// draws 1, 1, 1, 3: mean 1.5, squared deviations 0.25 x 3 + 2.25 = 3, s^2 = 3 / 3 = 1,
  /// SE = 1 / sqrt(4) = 0.5. One pattern of all the draws has no spread.
  func testStandardErrorByHand() {
    XCTAssertEqual(
      SAEEnsemble.standardError([1, 3], weights: [0.75, 0.25], samples: 4), 0.5, accuracy: 1e-15)
    // Draws 0, 2, 2, 2, 4 (N = 5): mean 2, squared deviations 4 + 0 + 0 + 0 + 4 = 8,
    // s^2 = 8 / 4 = 2, SE = sqrt(2 / 5).
    XCTAssertEqual(
      SAEEnsemble.standardError([0, 2, 4], weights: [0.2, 0.6, 0.2], samples: 5),
      (2.0 / 5).squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(SAEEnsemble.standardError([7], weights: [1], samples: 10), 0)
  }

  /// A small correlated (sampled) toy: 4 features, two of them correlated.
  func correlatedToy() throws -> ToyModel {
    let firing = try CorrelatedFiring(
      probabilities: [0.3, 0.2, 0.15, 0.1],
      correlation: [[1, 0.5, 0, 0], [0.5, 1, 0.3, 0], [0, 0.3, 1, 0], [0, 0, 0, 1]])
    return ToyModel(features: ["a", "b", "c", "d"], firing: .correlated(firing))
  }

  func sampledPlan() -> SAETrainingPlan {
    var p = SAETrainingPlan()
    p.data = .samples
    p.steps = 150
    p.batch = 256
    p.learningRate = 0.01
    p.l1 = 0.01
    p.seed = 5
    return p
  }

  /// On a sampled toy the report's mse, single_mse, mse_by_members and standard errors are the
  /// mean and standard error over the held-out draws (seed plan.seed + 2J), recomputed here
  /// draw by draw from the members (the dense forward pass above, a textbook sample standard
  /// deviation); bagging's members are single runs on fresh draws, boosting's member j > 0
  /// trains on the residuals of the training set seeded plan.seed + 2J + 1.
  func testSampledEnsembleMSEIsTheHeldOutMean() throws {
    let toy = try correlatedToy()
    guard case .correlated(let firing) = toy.firing else { return XCTFail() }
    let architecture = SAEArchitecture(latents: 2)
    let plan = sampledPlan()
    let members = 3
    let samples = 3000
    for method in SAEEnsemble.Method.allCases {
      let report = try SAEEnsembleReport(
        method, members: members, architecture: architecture, toy: toy, plan: plan,
        samples: samples)
      let trainingSet = SampleSet(CorrelatedFiring.Sampler(firing), samples: samples, seed: plan.seed + 2 * 3 + 1)
      let ensemble = try SAEEnsemble.train(
        method, members: members, architecture: architecture, toy: toy, plan: plan,
        trainingSet: trainingSet)
      if method == .bagging {
        for j in 0..<members {
          var p = plan
          p.seed += UInt64(j)
          let single = try architecture.initialSAE(dimensions: 4, seed: p.seed)
            .trainingRun(on: toy, p).sae
          XCTAssertEqual(ensemble.members[j], single)
        }
      }
      // Every held-out draw, one by one.
      let heldOut = SampleSet(CorrelatedFiring.Sampler(firing), samples: samples, seed: plan.seed + 2 * 3)
      var errors: [[Double]] = []  // per draw, per member count
      for chunk in heldOut.chunks {
        var drawn = 0
        for pattern in chunk.patterns {
          let copies = Int((pattern.weight * Double(chunk.size)).rounded())
          drawn += copies
          var x = [Double](repeating: 0, count: 4)
          for a in pattern.active { x[a.feature] += a.magnitude }
          var row: [Double] = []
          var sum = [Double](repeating: 0, count: 4)
          var residual = x
          for (j, g) in ensemble.members.enumerated() {
            let xhat: [Double]
            if method == .bagging {
              sum = zip(sum, forward(g, x)).map { $0 + $1 }
              xhat = sum.map { $0 / Double(j + 1) }
            } else {
              residual = zip(residual, forward(g, residual)).map { $0 - $1 }
              xhat = zip(x, residual).map { $0 - $1 }
            }
            row.append(zip(x, xhat).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
          }
          errors.append(contentsOf: repeatElement(row, count: copies))
        }
        XCTAssertEqual(drawn, chunk.size)
      }
      XCTAssertEqual(errors.count, samples)
      let n = Double(samples)
      for j in 0..<members {
        let mean = errors.reduce(0) { $0 + $1[j] } / n
        XCTAssertEqual(report.mseByMembers[j], mean, accuracy: 1e-12 * mean, "\(method) \(j)")
      }
      func se(_ j: Int) -> Double {
        let mean = errors.reduce(0) { $0 + $1[j] } / n
        let variance = errors.reduce(0) { $0 + ($1[j] - mean) * ($1[j] - mean) } / (n - 1)
        return (variance / n).squareRoot()
      }
      XCTAssertEqual(report.samples, samples)
      XCTAssertEqual(report.mse, report.mseByMembers[members - 1])
      XCTAssertEqual(report.singleMSE, report.mseByMembers[0])
      XCTAssertEqual(report.mseStandardError!, se(members - 1), accuracy: 1e-9 * se(members - 1))
      XCTAssertEqual(report.singleMSEStandardError!, se(0), accuracy: 1e-9 * se(0))
      XCTAssertGreaterThan(se(0), 0)
      if method == .boosting {
        // The first member is the single run; the residual members reconstruct more.
        XCTAssertEqual(ensemble.members[0], try architecture.initialSAE(dimensions: 4, seed: 5)
          .trainingRun(on: toy, plan).sae)
        XCTAssertLessThan(report.mse, 0.7 * report.singleMSE)
      }
    }
  }

  /// Same seed, same bits; the sampled report's JSON adds the held-out keys; boosting a
  /// sampled toy needs a training set; the sample sets' seeds must fit.
  func testSampledReportDeterminismAndKeys() throws {
    let toy = try correlatedToy()
    let make = {
      try SAEEnsembleReport(
        .boosting, members: 2, architecture: SAEArchitecture(latents: 2), toy: toy,
        plan: self.sampledPlan(), samples: 1000)
    }
    let a = try make()
    XCTAssertEqual(a, try make())
    XCTAssertEqual(a.mse.bitPattern, try make().mse.bitPattern)
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
    XCTAssertEqual(
      Set(json.keys),
      [
        "method", "members", "seed", "mse", "single_mse", "mse_by_members", "samples",
        "mse_standard_error", "single_mse_standard_error", "diversity", "stability",
        "hedging_mass", "tracked_feature",
      ])
    XCTAssertThrowsError(
      try SAEEnsemble.train(
        .boosting, members: 2, architecture: SAEArchitecture(latents: 2), toy: toy,
        plan: sampledPlan())
    ) { XCTAssert("\($0)".hasPrefix("ensemble: boosting a sampled toy needs"), "\($0)") }
    var late = sampledPlan()
    late.seed = UInt64(UInt32.max) - 5  // two ensembles of 2 and three sample sets: + 6
    XCTAssertThrowsError(
      try SAEEnsembleReport(
        .bagging, members: 2, architecture: SAEArchitecture(latents: 1), toy: toy, plan: late)
    ) { XCTAssert("\($0)".hasPrefix("seed: "), "\($0)") }
    XCTAssertThrowsError(
      try SAEEnsembleReport(
        .bagging, members: 1, architecture: SAEArchitecture(latents: 1), toy: toy,
        plan: sampledPlan(), samples: 1)
    ) { XCTAssert("\($0)".hasPrefix("samples: 1"), "\($0)") }
  }
}
