import ToyModels
import _CGSL

/// How an SAE is trained: Adam on the expected loss of each step's weighted patterns.
public struct SAETrainingPlan: Sendable, Hashable {
  /// How a step meets the data.
  public enum Data: String, Sendable, Hashable, CaseIterable {
    /// The exact expected loss over every pattern (weights = probabilities): deterministic.
    case exact
    /// A multinomial draw of the batch's pattern counts (`gsl_ran_multinomial`), weights c_j / B.
    case counts
    /// Every sample drawn (`gsl_ran_discrete` over patterns, or the correlated sampler), 1 / B.
    case samples
  }

  public var data: Data = .exact
  public var loss: ReconstructionLoss = .mse
  /// With `loss == .mse`: switch to l2 from this step on (snap loss); nil never.
  public var snapAt: Int? = nil
  /// L1 coefficient lambda (relu only), >= 0.
  public var l1: Double = 0
  public var steps: Int = 1000
  /// Samples per step (counts and samples), >= 1.
  public var batch: Int = 4096
  public var learningRate: Double = 0.003
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  /// GSL MT19937 seed, in 0...UInt32.max.
  public var seed: UInt64 = 1

  public init() {}
}

extension SAE {
  /// The SAE after `plan.steps` Adam steps on `toy` (features in coordinates: d = n).
  ///
  /// After every step the decoder rows are renormalised to unit norm. Same SAE, toy and plan
  /// give the same bits.
  /// - Throws: `ToyModelError` if the toy has a different number of features than the SAE has
  ///   dimensions, `exact`/`counts` is asked of a correlated toy, the activation is batchtopk
  ///   (its threshold fitting is not implemented), or a plan value is out of range.
  public func trained(on toy: ToyModel, _ plan: SAETrainingPlan) throws -> SAE {
    guard toy.features.count == dimensions else {
      throw ToyModelError("features: \(toy.features.count) for an SAE of \(dimensions) dimensions")
    }
    if case .batchTopK = activation {
      throw ToyModelError("activation: batchtopk training is not implemented yet")
    }
    guard plan.steps >= 0, plan.batch >= 1, plan.l1 >= 0, plan.learningRate > 0 else {
      throw ToyModelError("training: steps, batch, l1 or learning rate out of range")
    }
    let patterns = toy.patterns
    if patterns == nil && plan.data != .samples {
      throw ToyModelError("data: \(plan.data.rawValue) needs an enumerable toy; use samples")
    }
    _ = gsl_set_error_handler_off()
    guard let rng = gsl_rng_alloc(hl_rng_mt19937()) else { fatalError("gsl_rng_alloc failed") }
    defer { gsl_rng_free(rng) }
    gsl_rng_set(rng, UInt(plan.seed))
    var sae = self
    sae.normaliseDecoderRows()
    var adam = [Adam](repeating: Adam(count: 0), count: 4)
    adam[0] = Adam(count: sae.encoder.count)
    adam[1] = Adam(count: sae.encoderBias.count)
    adam[2] = Adam(count: sae.decoder.count)
    adam[3] = Adam(count: sae.decoderBias.count)
    var step = [WeightedPattern]()
    var counts = [UInt32](repeating: 0, count: patterns?.count ?? 0)
    let probabilities = patterns?.map(\.weight) ?? []
    let table = patterns.map { _ in gsl_ran_discrete_preproc(probabilities.count, probabilities) }
    defer { if let t = table { gsl_ran_discrete_free(t) } }
    var gaussians: [Double] = []
    var gradient = SAEGradient(zeroFor: sae)
    let b = Double(plan.batch)
    for t in 0..<plan.steps {
      switch (plan.data, toy.firing) {
      case (.exact, _):
        step = patterns!
      case (.counts, _):
        gsl_ran_multinomial(rng, counts.count, UInt32(plan.batch), probabilities, &counts)
        step = zip(patterns!, counts).compactMap { p, c in
          c == 0 ? nil : WeightedPattern(weight: Double(c) / b, active: p.active)
        }
      case (.samples, .enumerable(let ps)):
        // Each sample drawn; equal patterns share one gradient term (weight count / B).
        for j in counts.indices { counts[j] = 0 }
        for _ in 0..<plan.batch { counts[gsl_ran_discrete(rng, table!!)] += 1 }
        step = zip(ps, counts).compactMap { p, c in
          c == 0 ? nil : WeightedPattern(weight: Double(c) / b, active: p.active)
        }
      case (.samples, .correlated(let firing)):
        step = (0..<plan.batch).map { _ in
          WeightedPattern(weight: 1 / b, active: firing.sample(rng, into: &gaussians))
        }
      }
      let rec: ReconstructionLoss = plan.snapAt.map { t >= $0 } == true ? .l2 : plan.loss
      _ = sae.expectedLoss(step, rec, l1: plan.l1, gradient: &gradient)
      let lr = plan.learningRate
      adam[0].step(&sae.encoder, gradient.encoder, lr, plan.beta1, plan.beta2)
      adam[1].step(&sae.encoderBias, gradient.encoderBias, lr, plan.beta1, plan.beta2)
      adam[2].step(&sae.decoder, gradient.decoder, lr, plan.beta1, plan.beta2)
      adam[3].step(&sae.decoderBias, gradient.decoderBias, lr, plan.beta1, plan.beta2)
      sae.normaliseDecoderRows()
    }
    return sae
  }

  /// Every decoder row divided by its norm (rows of norm 0 are left as they are).
  mutating func normaliseDecoderRows() {
    let d = dimensions
    for i in 0..<latents {
      let n = decoderNorm(i)
      if n > 0 { for c in 0..<d { decoder[i * d + c] /= n } }
    }
  }
}

/// Adam's moments for one parameter array (Kingma & Ba, eps 1e-8, bias-corrected).
struct Adam: Sendable {
  var m: [Double]
  var v: [Double]
  var t = 0
  init(count: Int) {
    m = [Double](repeating: 0, count: count)
    v = m
  }
  mutating func step(
    _ p: inout [Double], _ g: [Double], _ lr: Double, _ beta1: Double, _ beta2: Double
  ) {
    t += 1
    let c1 = 1 - pow(beta1, Double(t))
    let c2 = 1 - pow(beta2, Double(t))
    for j in p.indices {
      m[j] = beta1 * m[j] + (1 - beta1) * g[j]
      v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j]
      p[j] -= lr * (m[j] / c1) / ((v[j] / c2).squareRoot() + 1e-8)
    }
  }
}
