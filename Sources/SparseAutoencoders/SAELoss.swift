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
}

extension SAE {
  /// The loss of one input x (d values) and, if `gradient` is given, w times its gradient added
  /// to it.
  ///
  ///     loss(x) = sum_m rec(x - xhat_m) + lambda sum_i h_i |decoder[i]|   (lambda: relu only)
  ///
  /// The active set is held fixed (the loss is piecewise smooth in the parameters).
  /// - Parameters: l1 >= 0, used only with relu; w the sample's weight.
  public func loss(
    _ x: [Double], _ rec: ReconstructionLoss, l1: Double = 0, weight w: Double = 1,
    gradient: UnsafeMutablePointer<SAEGradient>? = nil
  ) -> Double {
    let d = dimensions
    let k = latents
    let a = preactivations(x)
    let mask = activeMask(a)
    let h = zip(a, mask).map { $1 ? $0 : 0 }
    let lambda: Double
    if case .relu = activation { lambda = l1 } else { lambda = 0 }
    var total = 0.0
    // dL/dh_i and dL/dxhat (summed over prefixes), built prefix by prefix.
    var dh = [Double](repeating: 0, count: k)
    var dBias = [Double](repeating: 0, count: d)
    var xhat = decoderBias
    var start = 0
    var decoderGrad = gradient != nil ? [Double](repeating: 0, count: k * d) : []
    for m in prefixes {
      for i in start..<m where h[i] != 0 {
        for c in 0..<d { xhat[c] += h[i] * decoder[i * d + c] }
      }
      start = m
      var r2 = 0.0
      for c in 0..<d { r2 += (xhat[c] - x[c]) * (xhat[c] - x[c]) }
      let scale: Double  // dl/dr = scale * r
      switch rec {
      case .mse:
        total += r2
        scale = 2
      case .l2:
        let r = r2.squareRoot()
        total += r
        scale = r > 0 ? 1 / r : 0
      }
      guard gradient != nil, scale != 0 else { continue }
      for c in 0..<d {
        let g = scale * (xhat[c] - x[c])
        dBias[c] += g
        for i in 0..<m where h[i] != 0 {
          dh[i] += decoder[i * d + c] * g
          decoderGrad[i * d + c] += h[i] * g
        }
      }
    }
    if lambda > 0 {
      for i in 0..<k where h[i] != 0 {
        let norm = decoderNorm(i)
        total += lambda * h[i] * norm
        guard gradient != nil else { continue }
        dh[i] += lambda * norm
        if norm > 0 {
          for c in 0..<d { decoderGrad[i * d + c] += lambda * h[i] * decoder[i * d + c] / norm }
        }
      }
    }
    guard let g = gradient else { return total }
    // Through the encoder: da_i = dh_i on the active set.
    for i in 0..<k where mask[i] {
      let da = dh[i]
      g.pointee.encoderBias[i] += w * da
      for c in 0..<d {
        let xc = x[c] - decoderBias[c]
        if tied {
          decoderGrad[i * d + c] += da * xc
        } else {
          g.pointee.encoder[i * d + c] += w * da * xc
        }
        dBias[c] -= da * (tied ? decoder[i * d + c] : encoder[i * d + c])
      }
    }
    for j in 0..<(k * d) { g.pointee.decoder[j] += w * decoderGrad[j] }
    for c in 0..<d { g.pointee.decoderBias[c] += w * dBias[c] }
    return total
  }

  /// The exact expected loss sum_j w_j loss(x_j) over weighted patterns in feature coordinates
  /// (d = n: x_j is the pattern's magnitude vector), with its gradient when asked.
  public func expectedLoss(
    _ patterns: [WeightedPattern], _ rec: ReconstructionLoss, l1: Double = 0,
    gradient: UnsafeMutablePointer<SAEGradient>? = nil
  ) -> Double {
    if let g = gradient { g.pointee = SAEGradient(zeroFor: self) }
    var total = 0.0
    for p in patterns where p.weight > 0 {
      let x = p.magnitudes(features: dimensions)
      total += p.weight * loss(x, rec, l1: l1, weight: p.weight, gradient: gradient)
    }
    return total
  }

  /// Exact expected metrics over weighted patterns (d = n) of the full reconstruction (every
  /// latent): mse, l2, sparsity E[sum_i h_i] and l0 E[number of active latents].
  public func expectedMetrics(_ patterns: [WeightedPattern])
    -> (mse: Double, l2: Double, sparsity: Double, l0: Double)
  {
    var mse = 0.0
    var l2 = 0.0
    var sparsity = 0.0
    var l0 = 0.0
    for p in patterns where p.weight > 0 {
      let x = p.magnitudes(features: dimensions)
      let h = activations(x)
      let xhat = reconstruction(h)
      let r2 = zip(x, xhat).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
      mse += p.weight * r2
      l2 += p.weight * r2.squareRoot()
      sparsity += p.weight * h.reduce(0, +)
      l0 += p.weight * Double(h.filter { $0 != 0 }.count)
    }
    return (mse, l2, sparsity, l0)
  }
}
