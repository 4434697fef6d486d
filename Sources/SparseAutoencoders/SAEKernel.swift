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
  @exclusivity(unchecked) var reconstruction = ReconstructionLoss.mse

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
      encoderBias: trainsEncoderBias, decoderBias: trainsDecoderBias)
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
    return pass.loss(batch, activation, reconstruction, lambda: lambda)
  }

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
}
