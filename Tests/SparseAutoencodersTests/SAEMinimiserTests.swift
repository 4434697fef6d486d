import ToyModels
import XCTest

@testable import SparseAutoencoders

/// lbfgs (`SAEKernel.minimise`): a stationary point of the exact loss, checked by finite
/// differences of `SAE.expectedLoss` (not the minimiser's own gradient), no worse than Adam.
final class SAEMinimiserTests: XCTestCase {
  typealias trainer = TrainerFixture

  func lbfgs() -> SAETrainingPlan {
    var p = trainer.plan(.exact)
    p.optimizer = .lbfgs
    p.steps = 2000
    return p
  }

  func testMinimiserReachesAStationaryPointAndBeatsAdam() throws {
    let toy = try trainer.toy()
    let patterns = toy.patterns!
    for tied in [false, true] {
      let start = try trainer.initial(tied: tied)
      let run = try start.trainingRun(on: toy, lbfgs())
      let m = try XCTUnwrap(run.minimisation)
      let sae = run.sae
      let loss = sae.expectedLoss(patterns, .mse, l1: 0.05)
      XCTAssertEqual(loss, m.loss, accuracy: 1e-15)
      XCTAssertLessThan(m.gradientNorm, 1e-7, "\(m)")
      // Central differences along each encoder and bias coordinate, and along each decoder
      // row's tangent directions (rotations towards another coordinate): all ~0.
      let h = 1e-6
      func moved(_ change: (inout SAE) -> Void) -> Double {
        var s = sae
        change(&s)
        return s.expectedLoss(patterns, .mse, l1: 0.05)
      }
      var worst = 0.0
      for j in sae.encoder.indices where !tied {
        let slope = (moved { $0.encoder[j] += h } - moved { $0.encoder[j] -= h }) / (2 * h)
        worst = max(worst, abs(slope))
      }
      for j in sae.encoderBias.indices {
        let slope =
          (moved { $0.encoderBias[j] += h } - moved { $0.encoderBias[j] -= h }) / (2 * h)
        worst = max(worst, abs(slope))
      }
      for j in sae.decoderBias.indices {
        let slope =
          (moved { $0.decoderBias[j] += h } - moved { $0.decoderBias[j] -= h }) / (2 * h)
        worst = max(worst, abs(slope))
      }
      let d = sae.dimensions
      for i in 0..<sae.latents {
        let row = sae.decoderRow(i)
        for c in 0..<d {
          // The unit row rotated by +-h towards coordinate c (projected off the row).
          var dir = (0..<d).map { $0 == c ? 1.0 : 0.0 }
          let along = row[c]
          dir = zip(dir, row).map { $0 - along * $1 }
          let n = dir.reduce(0) { $0 + $1 * $1 }.squareRoot()
          guard n > 1e-3 else { continue }
          func rotated(_ s: Double) -> (inout SAE) -> Void {
            { sae in
              let r = zip(row, dir).map { cos(s) * $0 + sin(s) * $1 / n }
              for k in 0..<d { sae.decoder[i * d + k] = r[k] }
            }
          }
          let slope = (moved(rotated(h)) - moved(rotated(-h))) / (2 * h)
          worst = max(worst, abs(slope))
        }
      }
      XCTAssertLessThan(worst, 1e-6, "tied \(tied)")
      // Adam from the same start, same loss: never below the minimiser.
      let adam = try start.trainingRun(on: toy, trainer.plan(.exact)).sae
      XCTAssertLessThanOrEqual(loss, adam.expectedLoss(patterns, .mse, l1: 0.05) + 1e-15)
      // Same start, same bits.
      XCTAssertEqual(try start.trainingRun(on: toy, lbfgs()).sae, sae)
    }
  }

  /// Snap under lbfgs is its two phases in order: MSE minimised, then L2 from that point;
  /// the same bits as the two runs made by hand, iterations and evaluations summed.
  func testSnapMinimisesMSEThenL2FromThere() throws {
    let toy = try trainer.toy()
    let patterns = toy.patterns!
    let start = try trainer.initial()
    var mse = lbfgs()
    mse.loss = .mse
    var l2 = lbfgs()
    l2.loss = .l2
    var snap = lbfgs()
    snap.loss = .snap
    let first = try start.trainingRun(on: toy, mse)
    let second = try first.sae.trainingRun(on: toy, l2)
    let both = try start.trainingRun(on: toy, snap)
    XCTAssertEqual(both.sae, second.sae)
    let (a, b, m) = try (
      XCTUnwrap(first.minimisation), XCTUnwrap(second.minimisation), XCTUnwrap(both.minimisation)
    )
    XCTAssertEqual(m.iterations, a.iterations + b.iterations)
    XCTAssertEqual(m.evaluations, a.evaluations + b.evaluations)
    XCTAssertEqual(m.loss, b.loss)
    XCTAssertEqual(m.stop, b.stop)
    // The end is L2's point, not MSE's: the L2 loss is lower there than at the MSE minimum,
    // evaluated by SAE.expectedLoss (not the minimiser's own loss).
    XCTAssertEqual(m.loss, both.sae.expectedLoss(patterns, .l2, l1: 0.05), accuracy: 1e-15)
    XCTAssertLessThan(
      both.sae.expectedLoss(patterns, .l2, l1: 0.05),
      first.sae.expectedLoss(patterns, .l2, l1: 0.05) - 1e-9)
  }

  func testMinimiserRefusesWhatItCannotMinimise() throws {
    let toy = try trainer.toy()
    var p = lbfgs()
    p.data = .counts
    XCTAssertThrowsError(try trainer.initial().trainingRun(on: toy, p)) {
      XCTAssertEqual(($0 as? FieldError)?.field, "optimizer")
    }
    var batchTopK = try trainer.initial()
    batchTopK.activation = .batchTopK(k: 1, threshold: 0)
    XCTAssertThrowsError(try batchTopK.trainingRun(on: toy, lbfgs())) {
      XCTAssertEqual(($0 as? FieldError)?.field, "optimizer")
    }
    p = lbfgs()
    p.gradientTolerance = 0
    XCTAssertThrowsError(try trainer.initial().trainingRun(on: toy, p)) {
      XCTAssertEqual(($0 as? FieldError)?.field, "gtol")
    }
  }
}

/// The certificate against numbers derived by hand: a tied relu latent l = (cos th, sin th)
/// on the hierarchy (P(parent alone) = p0 = 0.2, P(both) = p01 = 0.05), both patterns active,
/// has L(th) = p0 sin^2 th + p01 (1 - sin 2th), minimal at tan 2th = 2 p01 / p0 (th* =
/// 0.2318238045004030581) with L'' = 2 sqrt(p0^2 + 4 p01^2) = 0.4472135954999579393 (mpmath).
final class SAECertificateTests: XCTestCase {
  let patterns = [
    WeightedPattern(weight: 0.2, active: [ActiveFeature(feature: 0, magnitude: 1)]),
    WeightedPattern(
      weight: 0.05,
      active: [ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 1)]),
    WeightedPattern(weight: 0.75, active: []),
  ]

  func latent(_ theta: Double) throws -> SAE {
    try SAE(decoder: [[cos(theta), sin(theta)]], decoderBias: [0, 0])
  }

  func testTheAnalyticMinimumIsAStrictMinimumWithTheRightCurvature() throws {
    let c = try latent(0.2318238045004030581).certificate(
      on: patterns, trainsEncoderBias: false, trainsDecoderBias: false)
    XCTAssertEqual(c.tangentDimension, 1)
    XCTAssertEqual(c.loss, 0.0381966011250105151, accuracy: 1e-15)
    XCTAssertLessThan(c.gradientNorm, 1e-12)
    XCTAssertEqual(c.smallestEigenvalue, 0.4472135954999579393, accuracy: 1e-8)
    XCTAssertEqual(c.verdict, .strictMinimum)
    XCTAssertEqual(c.deadLatents, [])
    // Away from the minimum the gradient is L'(th) = p0 sin 2th - 2 p01 cos 2th.
    let off = try latent(0.5).certificate(
      on: patterns, trainsEncoderBias: false, trainsDecoderBias: false)
    XCTAssertEqual(off.gradientNorm, abs(0.2 * sin(1.0) - 0.1 * cos(1.0)), accuracy: 1e-12)
    XCTAssertEqual(off.verdict, .notStationary)
  }

  /// A latent that never fires is a symmetry: its weights move without changing the loss.
  func testADeadLatentMakesTheMinimumDegenerate() throws {
    var start = try SAE(
      decoder: [[0.9, 0.1], [0.1, 0.9]], decoderBias: [0, 0],
      encoder: [[0.9, 0.1], [0.1, 0.9]], encoderBias: [0, -10])
    start.activation = .relu
    var plan = SAETrainingPlan()
    plan.optimizer = .lbfgs
    plan.steps = 3000
    plan.trainsDecoderBias = false
    let trained = try start.trainingRun(on: patterns, basis: nil, plan).sae
    let c = try trained.certificate(on: patterns, trainsDecoderBias: false)
    XCTAssertEqual(c.deadLatents, [1])
    XCTAssertEqual(c.verdict, .degenerate, "\(c)")
    // The dead latent's encoder row (2), its bias (1) and its decoder row's tangent (1).
    XCTAssertGreaterThanOrEqual(c.flatDirections, 4)
  }

  /// A saddle built by symmetry: two tied latents both at 45 degrees on two independent
  /// features (each firing with p = 0.3) are stationary (swapping the features maps the
  /// point to itself), and moving them apart lowers the loss. sympy: in the latents' angles
  /// the Hessian is [[-6/5, 6/5], [6/5, -6/5]], eigenvalues -12/5 (the latents apart) and 0
  /// (both turned together); the loss there is 3/5.
  func testTwoCoincidentLatentsAreASaddle() throws {
    let p = 0.3
    let independent = [
      WeightedPattern(weight: p * (1 - p), active: [ActiveFeature(feature: 0, magnitude: 1)]),
      WeightedPattern(weight: p * (1 - p), active: [ActiveFeature(feature: 1, magnitude: 1)]),
      WeightedPattern(
        weight: p * p,
        active: [ActiveFeature(feature: 0, magnitude: 1), ActiveFeature(feature: 1, magnitude: 1)]),
      WeightedPattern(weight: (1 - p) * (1 - p), active: []),
    ]
    let c = 0.5.squareRoot()
    let sae = try SAE(decoder: [[c, c], [c, c]], decoderBias: [0, 0])
    let cert = try sae.certificate(
      on: independent, trainsEncoderBias: false, trainsDecoderBias: false)
    XCTAssertEqual(cert.loss, 0.6, accuracy: 1e-15)
    XCTAssertLessThan(cert.gradientNorm, 1e-14)
    XCTAssertEqual(cert.smallestEigenvalue, -2.4, accuracy: 1e-8)
    XCTAssertEqual(cert.largestEigenvalue, 0, accuracy: 1e-8)
    XCTAssertEqual(cert.verdict, .saddle)
    // The descent direction turns the two latents apart: on either latent, its decoder row
    // moves along (-1, 1) / 2 or (1, -1) / 2.
    let descent = try XCTUnwrap(cert.descent)
    XCTAssertEqual(abs(descent.decoder[0]), 0.5, accuracy: 1e-6)
    XCTAssertEqual(descent.decoder[0], -descent.decoder[1], accuracy: 1e-6)
  }

  /// A point on a kink, by hand: one feature in d = 1 (the decoder row has no tangent),
  /// x = 1 with p_A = 0.1 and nothing with p_B = 0.9, MSE + 0.2 h; encoder 0.5, b_enc c,
  /// decoder 1, b_dec 0. At c = 0 pattern B's pre-activation is exactly 0. With h_A = 0.5 the
  /// residual is 0.5 and dl_A/dh_A = -1 + 0.2 = -0.8, so the off piece's gradient in (encoder,
  /// b_enc, b_dec) is p_A (-0.8, -0.8, -0.6) (dh_A/db_dec = -0.5, dr_A/db_dec = -0.5); turning
  /// B on adds v = p_B 0.2 (0, 1, -0.5). min over mu in [0, 1] of |g_off + mu v| is at
  /// mu = 2 p_A / p_B = 2/9, where it is p_A |(-0.8, -0.4, -0.8)| = 1.2 p_A = 0.12; the gradient
  /// (off piece) has norm p_A sqrt(1.64). At c = 1e-9 the kernel has B on (gradient g_off + v,
  /// norm |(-0.08, 0.10, -0.15)| = sqrt(0.0389)); the nearest subgradient is the same.
  func testAKinkIsSearchedForAStationarySubgradient() throws {
    let kink = [
      WeightedPattern(weight: 0.1, active: [ActiveFeature(feature: 0, magnitude: 1)]),
      WeightedPattern(weight: 0.9, active: []),
    ]
    func sae(_ c: Double) throws -> SAE {
      var s = try SAE(decoder: [[1]], decoderBias: [0], encoder: [[0.5]], encoderBias: [c])
      s.activation = .relu
      return s
    }
    let off = try sae(0).certificate(on: kink, l1: 0.2)
    XCTAssertEqual(off.kinkPairs, 1)
    XCTAssertEqual(off.gradientNorm, 0.1 * 1.64.squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(off.subgradientNorm), 0.12, accuracy: 1e-9)
    XCTAssertEqual(off.verdict, .notStationary)
    let on = try sae(1e-9).certificate(on: kink, l1: 0.2)
    XCTAssertEqual(on.kinkPairs, 1)
    XCTAssertEqual(on.gradientNorm, 0.0389.squareRoot(), accuracy: 1e-8)
    XCTAssertEqual(try XCTUnwrap(on.subgradientNorm), 0.12, accuracy: 1e-8)
    // Away from the kink (c = -0.01) nothing is searched.
    let away = try sae(-0.01).certificate(on: kink, l1: 0.2)
    XCTAssertEqual(away.kinkPairs, 0)
    XCTAssertNil(away.subgradientNorm)
  }

  /// The box-constrained least squares by hand: b = (1, 1) with one column (-2, -2) is zeroed
  /// at lambda = 1/2; with (-0.5, 0) lambda stops at 1, leaving |(0.5, 1)|; with (1, 0) at 0,
  /// leaving |b|; two columns (-1, 0) and (0, -3) give lambda (1, 1/3) and 0.
  func testBoxLeastSquaresByHand() {
    XCTAssertEqual(SAECertificate.boxLeastSquares([1, 1], [[-2, -2]]), 0, accuracy: 1e-14)
    XCTAssertEqual(SAECertificate.boxLeastSquares([1, 1], [[-0.5, 0]]), 1.25.squareRoot(), accuracy: 1e-14)
    XCTAssertEqual(SAECertificate.boxLeastSquares([1, 1], [[1, 0]]), 2.0.squareRoot(), accuracy: 1e-14)
    XCTAssertEqual(SAECertificate.boxLeastSquares([1, 1], [[-1, 0], [0, -3]]), 0, accuracy: 1e-14)
  }

  func testUnfitSAEsAreRefused() throws {
    var batchTopK = try latent(0.3)
    batchTopK.activation = .batchTopK(k: 1, threshold: 0)
    XCTAssertThrowsError(try batchTopK.certificate(on: patterns))
    let long = try SAE(decoder: [[2, 0]], decoderBias: [0, 0])
    XCTAssertThrowsError(try long.certificate(on: patterns)) {
      XCTAssertEqual(($0 as? FieldError)?.field, "decoder[0]")
    }
  }
}
