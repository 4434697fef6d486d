import ToyModels

/// The reconstruction loss of one sample, per Matryoshka prefix.
public enum ReconstructionLoss: String, Sendable, Hashable, CaseIterable {
  /// |x - xhat|^2 (summed over dimensions).
  case mse
  /// |x - xhat|.
  case l2
}

/// The parameters' gradient, laid out as the SAE's arrays (encoder empty when tied).
public struct SAEGradient: Sendable, Hashable {
  public var encoder: [Double]
  public var encoderBias: [Double]
  public var decoder: [Double]
  public var decoderBias: [Double]

  init(zeroFor sae: SAE) {
    encoder = [Double](repeating: 0, count: sae.tied ? 0 : sae.latents * sae.dimensions)
    encoderBias = [Double](repeating: 0, count: sae.latents)
    decoder = [Double](repeating: 0, count: sae.latents * sae.dimensions)
    decoderBias = [Double](repeating: 0, count: sae.dimensions)
  }

  init(encoder: [Double], encoderBias: [Double], decoder: [Double], decoderBias: [Double]) {
    self.encoder = encoder
    self.encoderBias = encoderBias
    self.decoder = decoder
    self.decoderBias = decoderBias
  }
}

extension SAE {
  /// The loss of one input x (d values) and, if `gradient` is given, w times its gradient added
  /// to it.
  ///
  ///     loss(x) = sum_l omega_l rec(x - xhat_{m_l}) + lambda sum_i h_i |decoder[i]|
  ///
  /// over the Matryoshka prefixes m_l, omega_l the prefix weights (`prefixWeights`: 1 each, or
  /// beta^(L - l) with a balance), lambda for relu only (each latent counted once).
  ///
  /// The active set is held fixed (the loss is piecewise smooth in the parameters); batchtopk
  /// uses its threshold.
  /// - Parameters: l1 >= 0, used only with relu; w the sample's weight.
  public func loss(
    _ x: [Double], _ rec: ReconstructionLoss, l1: Double = 0, weight w: Double = 1,
    gradient: UnsafeMutablePointer<SAEGradient>? = nil
  ) -> Double {
    let batch = PatternBatch()
    batch.append(
      weight: 1,
      active: x.indices.filter { x[$0] != 0 }.map { ActiveFeature(feature: $0, magnitude: x[$0]) })
    let kernel = SAEKernel(self)
    kernel.l1 = l1
    kernel.reconstruction = rec
    let total = kernel.loss(batch)
    if let g = gradient {
      let one = kernel.gradientValue
      for j in g.pointee.encoder.indices { g.pointee.encoder[j] += w * one.encoder[j] }
      for j in g.pointee.encoderBias.indices { g.pointee.encoderBias[j] += w * one.encoderBias[j] }
      for j in g.pointee.decoder.indices { g.pointee.decoder[j] += w * one.decoder[j] }
      for j in g.pointee.decoderBias.indices { g.pointee.decoderBias[j] += w * one.decoderBias[j] }
    }
    return total
  }

  /// The exact expected loss sum_j w_j loss(x_j) (`loss`'s, prefix weights included) over
  /// weighted patterns, with its gradient when asked (replacing `gradient`'s contents).
  ///
  /// x_j = sum_f m_f e_f over the pattern's features, e_f the rows of `basis` (n rows of d; nil:
  /// d = n and e_f the unit vectors). Patterns of weight <= 0 are skipped.
  public func expectedLoss(
    _ patterns: [WeightedPattern], _ rec: ReconstructionLoss, l1: Double = 0,
    basis: [[Double]]? = nil, gradient: UnsafeMutablePointer<SAEGradient>? = nil
  ) -> Double {
    let batch = PatternBatch()
    for p in patterns where p.weight > 0 { batch.append(weight: p.weight, active: p.active) }
    let kernel = SAEKernel(self, basis: basis)
    kernel.l1 = l1
    kernel.reconstruction = rec
    let total = kernel.loss(batch)
    gradient?.pointee = kernel.gradientValue
    return total
  }

  /// Exact expected metrics over weighted patterns of the full reconstruction (every latent):
  /// mse, l2, sparsity E[sum_i h_i] and l0 E[number of active latents]. `basis` as for
  /// `expectedLoss`.
  /// `each`, when given, sees every pattern of positive weight with its own metrics.
  public func expectedMetrics(
    _ patterns: [WeightedPattern], basis: [[Double]]? = nil,
    each: ((WeightedPattern, (mse: Double, l2: Double, sparsity: Double, l0: Double)) -> Void)? =
      nil
  ) -> (mse: Double, l2: Double, sparsity: Double, l0: Double) {
    var mse = 0.0
    var l2 = 0.0
    var sparsity = 0.0
    var l0 = 0.0
    for p in patterns where p.weight > 0 {
      let one = metrics(of: p, basis: basis)
      each?(p, one)
      mse += p.weight * one.mse
      l2 += p.weight * one.l2
      sparsity += p.weight * one.sparsity
      l0 += p.weight * one.l0
    }
    return (mse, l2, sparsity, l0)
  }

  /// One input's metrics: |x - xhat|^2, |x - xhat|, sum_i h_i and #{i : h_i != 0}, the
  /// pattern's weight aside. `basis` as for `expectedLoss`.
  func metrics(of p: WeightedPattern, basis: [[Double]]?)
    -> (mse: Double, l2: Double, sparsity: Double, l0: Double)
  {
    let x = p.input(dimensions: dimensions, basis: basis)
    let h = activations(x)
    let xhat = reconstruction(h)
    let r2 = zip(x, xhat).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    return (r2, r2.squareRoot(), h.reduce(0, +), Double(h.filter { $0 != 0 }.count))
  }
}
