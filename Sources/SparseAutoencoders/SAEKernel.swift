import ToyModels

/// An SAE in flat buffers for training: its loss and gradient over a batch of weighted
/// patterns (`SAEPatternPass`), Adam's step (`AdamMoments`) and the decoder's renormalisation,
/// in one workspace allocated once.
///
/// The loss of a pattern with input x is
///
///     loss = sum_l omega_l rec(xhat_l - x) + lambda sum_{i active} h_i |decoder[i]|
///
/// with omega_l the SAE's prefix weights (`SAE.prefixWeights`: 1 each, or a balance Matryoshka
/// SAE's beta^(L - l)), rec the squared or plain Euclidean norm and lambda = `l1` for relu
/// (0 otherwise).
final class SAEKernel {
  @exclusivity(unchecked) var activation: SAE.Activation
  /// BatchTopK: keep the batch's k B largest activations (training) instead of the threshold.
  @exclusivity(unchecked) var batchSelection = false
  @exclusivity(unchecked) var l1 = 0.0
  /// Whether Adam moves the biases (a frozen one keeps its value).
  @exclusivity(unchecked) var trainsEncoderBias = true { didSet { findTrained() } }
  @exclusivity(unchecked) var trainsDecoderBias = true { didSet { findTrained() } }
  /// Whether the decoder rows train (false: only the encoder and biases, as for the
  /// true-features SAE; the minimiser's use).
  @exclusivity(unchecked) var trainsDecoder = true { didSet { findTrained() } }
  @exclusivity(unchecked) var reconstruction = ReconstructionLoss.mse
  /// Whether `loss(_:)` times its forward and backward passes (`forwardSeconds`,
  /// `backwardSeconds`): two clock reads per chunk of patterns.
  @exclusivity(unchecked) var timesPhases = false

  /// The memory of `pass` and `moments`.
  private let workspace: Workspace
  private let pass: SAEPatternPass
  @exclusivity(unchecked) private var moments: AdamMoments
  /// The parameters Adam moves (`SAEParameterVector.trained`), kept from step to step.
  @exclusivity(unchecked) private var trained: [Range<Int>] = []
  private let selection = SAEBatchTopKSelection()

  /// - Parameter basis: the features' directions, n rows of sae.dimensions; nil for d = n.
  init(_ sae: SAE, basis: [[Double]]? = nil) {
    let d = sae.dimensions
    if let basis { precondition(basis.allSatisfy { $0.count == d }, "basis rows of \(d) values") }
    (workspace, (pass, moments)) = Workspace.carve { carver in
      let pass = SAEPatternPass(
        &carver, shapeOf: sae, features: basis?.count ?? d, embedded: basis != nil)
      return (pass, AdamMoments(&carver, count: pass.parameters.count))
    }
    activation = sae.activation
    pass.load(sae, basis: basis)
    moments.reset()
    findTrained()
  }

  private func findTrained() {
    trained = pass.parameters.trained(
      encoderBias: trainsEncoderBias, decoderBias: trainsDecoderBias, decoder: trainsDecoder)
  }

  /// The SAE with the kernel's parameters and `activation`.
  func store(into sae: inout SAE) {
    pass.parameters.store(into: &sae)
    sae.activation = activation
  }

  /// The batch's loss sum_j w_j loss(x_j); the gradient is left in `gradientValue`.
  func loss(_ batch: PatternBatch) -> Double {
    if batchSelection, case .batchTopK(let top, _) = activation {
      return pass.selectedLoss(batch, top: top, selection, reconstruction)
    }
    var lambda = 0.0
    if case .relu = activation { lambda = l1 }
    return pass.loss(batch, activation, reconstruction, lambda: lambda, timed: timesPhases)
  }

  /// Seconds of `loss(_:)`'s forward passes (pre-activations and active sets) and of the rest
  /// (the backward passes and the per-step sums), summed over the timed calls; BatchTopK's
  /// selected loss is not timed apart (0).
  var forwardSeconds: Double { Double(pass.phaseNanos[0]) * 1e-9 }
  var backwardSeconds: Double { Double(pass.phaseNanos[1]) * 1e-9 }

  /// The smallest activation kept by the last batch selection (nil if none was positive).
  var smallestKept: Double? { selection.smallestKept }

  /// The gradient left by `loss(_:)`, laid out as the SAE's arrays.
  var gradientValue: SAEGradient { pass.gradient.gradient }

  /// One Adam step (`AdamMoments`) on every parameter that trains, from the gradient left by
  /// `loss(_:)`.
  func adam(learningRate lr: Double, beta1: Double, beta2: Double, epsilon: Double = 1e-8) {
    moments.step(
      pass.parameters.values, pass.gradient.values, over: trained, learningRate: lr,
      beta1: beta1, beta2: beta2, epsilon: epsilon)
  }

  /// Every decoder row divided by its norm (rows of norm 0 are left as they are); whether
  /// every norm was finite (a row that overflowed or holds a NaN is not).
  @discardableResult func normaliseDecoderRows() -> Bool {
    pass.parameters.normaliseDecoderRows()
  }

  /// Where the decoder rows start in `readTrained`'s flat order (after the encoder's).
  var trainedDecoderStart: Int { trained[0].count }

  /// Where the encoder bias starts in `readTrained`'s flat order; nil when it is frozen.
  var trainedEncoderBiasStart: Int? {
    trainsEncoderBias ? trained[0].count + trained[1].count : nil
  }

  /// How many parameters train (`trained`): the minimiser's dimension.
  var trainedCount: Int { trained.reduce(0) { $0 + $1.count } }

  /// The trained parameters, flat in `trained`'s order (encoder, decoder, then the biases
  /// that train), into x.
  func readTrained(into x: UnsafeMutablePointer<Double>) {
    var j = 0
    for r in trained {
      (x + j).update(from: pass.parameters.values + r.lowerBound, count: r.count)
      j += r.count
    }
  }

  /// The loss at x, the trained parameters flat as `readTrained` lays them out, with each
  /// decoder row v_i read as the unit row v_i / |v_i| (the decoder-norm constraint made
  /// unconstrained); its gradient in x's coordinates into g when asked:
  ///
  ///     dL/dv_i = (g_i - (g_i . u_i) u_i) / |v_i|,   u_i = v_i / |v_i|, g_i = dL/du_i
  ///
  /// Infinite when a decoder row is zero or not finite (the line search then steps back).
  func evaluate(
    _ x: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>?, _ batch: PatternBatch
  ) -> Double {
    let p = pass.parameters
    var j = 0
    for r in trained {
      (p.values + r.lowerBound).update(from: x + j, count: r.count)
      j += r.count
    }
    let k = trainsDecoder ? p.latents : 0
    let d = p.dimensions
    var norms = [Double](repeating: 0, count: k)
    for i in 0..<k {
      let n = p.decoderNorm(i)
      guard n > 0 && n.isFinite else {
        g?.update(repeating: 0, count: trainedCount)
        return .infinity
      }
      norms[i] = n
      let row = p.decoder + i * d
      for c in 0..<d { row[c] /= n }
    }
    let value = loss(batch)
    guard let g else { return value }
    j = 0
    for r in trained {
      (g + j).update(from: pass.gradient.values + r.lowerBound, count: r.count)
      j += r.count
    }
    // The decoder block follows the encoder's (empty when tied) in the flat order.
    let decoderStart = trained[0].count
    for i in 0..<k {
      let row = p.decoder + i * d
      let gi = g + decoderStart + i * d
      var along = 0.0
      for c in 0..<d { along += gi[c] * row[c] }
      for c in 0..<d { gi[c] = (gi[c] - along * row[c]) / norms[i] }
    }
    return value
  }

  /// The norm of the gradient at x in the tangent space of the decoder-norm constraint
  /// (`evaluate`'s gradient with each decoder row's part times |v_i|), from that gradient.
  func tangentNorm(_ x: UnsafePointer<Double>, _ g: UnsafePointer<Double>) -> Double {
    let k = trainsDecoder ? pass.parameters.latents : 0
    let d = pass.parameters.dimensions
    let decoderStart = trained[0].count
    var sum = 0.0
    for j in 0..<decoderStart { sum += g[j] * g[j] }
    for i in 0..<k {
      let start = decoderStart + i * d
      var norm = 0.0
      var part = 0.0
      for c in 0..<d {
        norm += x[start + c] * x[start + c]
        part += g[start + c] * g[start + c]
      }
      sum += part * norm
    }
    for j in (decoderStart + k * d)..<trainedCount { sum += g[j] * g[j] }
    return sum.squareRoot()
  }

}
