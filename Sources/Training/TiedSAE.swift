import Landscape

/// A tied single-latent sparse autoencoder in d dimensions, with optional biases.
///
///     l = w / |w|,  h = relu(l . (x - b_dec) + b_enc),  xhat = h l + b_dec
///     MSE sample loss = |x - xhat|^2 + lambda h,   L2 sample loss = |x - xhat| + lambda h
///
/// The encoder and decoder share the unit-norm latent l; the raw weights w are what the
/// optimiser moves. A missing bias is a bias fixed at zero.
public struct TiedSAE: Sendable, Hashable {
  /// w, the latent's unnormalised weights: d finite components, not all zero.
  public var weights: [Double]
  /// b_dec (d components), or nil when the SAE has no decoder bias.
  public var decoderBias: [Double]?
  /// b_enc, or nil when the SAE has no encoder bias.
  public var encoderBias: Double?

  public init(weights: [Double], decoderBias: [Double]? = nil, encoderBias: Double? = nil) {
    precondition(
      decoderBias == nil || decoderBias!.count == weights.count, "b_dec must have d components")
    self.weights = weights
    self.decoderBias = decoderBias
    self.encoderBias = encoderBias
  }

  /// The dimension d.
  public var dimension: Int { weights.count }

  /// l = w / |w|.
  public var latent: [Double] {
    let norm = dot(weights, weights).squareRoot()
    return weights.map { $0 / norm }
  }

  /// The weighted sum of sample losses, sum_s c_s loss(x_s).
  ///
  /// - Parameters:
  ///   - kind: MSE (squared error) or L2 (unsquared error norm).
  ///   - l1: the penalty coefficient lambda >= 0 on h.
  ///   - samples: activations, d components each.
  ///   - weights: c_s, one per sample (1/B each for a batch mean; pi_j for an expectation).
  public func loss(_ kind: LossKind, l1: Double = 0, samples: [[Double]], weights: [Double])
    -> Double
  {
    evaluate(kind, l1: l1, samples: samples, weights: weights).loss
  }

  /// The gradient of `loss(kind, l1:, samples:, weights:)` with respect to w, b_dec and
  /// b_enc, written out by hand.
  ///
  /// Per sample, with c = x - b_dec, a = l . c + b_enc, r = c - h l and g = dLoss/dr
  /// (2 r for MSE; r / |r| for L2, 0 where r = 0):
  ///
  ///     k = [a > 0] (lambda - g . l)
  ///     dLoss/dl = -h g + k c,  dLoss/db_dec = -(g + k l),  dLoss/db_enc = k
  ///     dLoss/dw = (I - l l^T) dLoss/dl / |w|
  ///
  /// At a relu kink (a = 0) the gradient of the clipped side is taken.
  public func gradient(_ kind: LossKind, l1: Double = 0, samples: [[Double]], weights: [Double])
    -> SAEGradient
  {
    evaluate(kind, l1: l1, samples: samples, weights: weights).gradient
  }

  func evaluate(_ kind: LossKind, l1: Double, samples: [[Double]], weights sampleWeights: [Double])
    -> (loss: Double, gradient: SAEGradient)
  {
    precondition(samples.count == sampleWeights.count, "one weight per sample")
    let d = dimension
    var state = KernelState(dimension: d)
    state.load(self)
    var loss = 0.0
    for (x, c) in zip(samples, sampleWeights) {
      precondition(x.count == d, "samples must have d components")
      loss += x.withUnsafeBufferPointer {
        state.accumulate(x: $0.baseAddress!, weight: c, kind: kind, l1: l1)
      }
    }
    state.finishGradient()
    let gradient = SAEGradient(
      weights: Array(state.gradW),
      decoderBias: decoderBias == nil ? nil : Array(state.gradDecoder),
      encoderBias: encoderBias == nil ? nil : state.gradEncoder)
    return (loss, gradient)
  }
}

/// The gradient of a loss with respect to a `TiedSAE`'s parameters.
public struct SAEGradient: Sendable, Hashable {
  /// dLoss/dw (d components).
  public var weights: [Double]
  /// dLoss/db_dec, or nil when the SAE has no decoder bias.
  public var decoderBias: [Double]?
  /// dLoss/db_enc, or nil when the SAE has no encoder bias.
  public var encoderBias: Double?
}

/// The arithmetic of one step, on preallocated buffers: the trainer and `TiedSAE`'s
/// public loss and gradient run this same code.
///
/// Noncopyable: it owns its buffers, allocated once and freed by `deinit`, so the step
/// loop allocates nothing.
struct KernelState: ~Copyable {
  let d: Int
  /// w, l = w / |w|, b_dec (zero when absent).
  let w: UnsafeMutableBufferPointer<Double>
  let l: UnsafeMutableBufferPointer<Double>
  let decoder: UnsafeMutableBufferPointer<Double>
  var encoder = 0.0
  var norm = 1.0
  var hasDecoder = false
  var hasEncoder = false
  /// Scratch: the residual r of the current sample.
  let residual: UnsafeMutableBufferPointer<Double>
  /// Accumulators: dLoss/dl, then dLoss/dw after `finishGradient`.
  let gradL: UnsafeMutableBufferPointer<Double>
  let gradW: UnsafeMutableBufferPointer<Double>
  /// Accumulator of g + k l; dLoss/db_dec = minus it (negated by `finishGradient`).
  let gradDecoder: UnsafeMutableBufferPointer<Double>
  var gradEncoder = 0.0

  init(dimension d: Int) {
    self.d = d
    func buffer() -> UnsafeMutableBufferPointer<Double> {
      let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(d, 1))
      b.initialize(repeating: 0)
      return b
    }
    w = buffer()
    l = buffer()
    decoder = buffer()
    residual = buffer()
    gradL = buffer()
    gradW = buffer()
    gradDecoder = buffer()
  }

  deinit {
    for b in [w, l, decoder, residual, gradL, gradW, gradDecoder] { b.deallocate() }
  }

  /// Copies an SAE's parameters in and computes l.
  mutating func load(_ sae: TiedSAE) {
    for i in 0..<d { w[i] = sae.weights[i] }
    hasDecoder = sae.decoderBias != nil
    hasEncoder = sae.encoderBias != nil
    for i in 0..<d { decoder[i] = sae.decoderBias?[i] ?? 0 }
    encoder = sae.encoderBias ?? 0
    normalise()
  }

  /// The SAE these buffers hold.
  func sae() -> TiedSAE {
    TiedSAE(
      weights: Array(w), decoderBias: hasDecoder ? Array(decoder) : nil,
      encoderBias: hasEncoder ? encoder : nil)
  }

  /// l = w / |w|, and zeroes the gradient accumulators.
  @inline(__always) mutating func normalise() {
    var s = 0.0
    for i in 0..<d { s += w[i] * w[i] }
    norm = s.squareRoot()
    let inv = 1 / norm
    for i in 0..<d {
      l[i] = w[i] * inv
      gradL[i] = 0
      gradDecoder[i] = 0
    }
    gradEncoder = 0
  }

  /// Adds one sample's loss and gradient, times `weight`; returns weight * loss.
  ///
  /// See `TiedSAE.gradient` for the formulas. O(d).
  @inline(__always) mutating func accumulate(
    x: UnsafePointer<Double>, weight: Double, kind: LossKind, l1: Double
  ) -> Double {
    var a = encoder
    for i in 0..<d { a += l[i] * (x[i] - decoder[i]) }
    let fires = Activation.fires(a)
    let h = fires ? a : 0
    var e2 = 0.0
    var rl = 0.0
    for i in 0..<d {
      let r = x[i] - decoder[i] - h * l[i]
      residual[i] = r
      e2 += r * r
      rl += r * l[i]
    }
    let sampleLoss: Double
    let scale: Double  // g = scale * r
    switch kind {
    case .mse:
      sampleLoss = e2 + l1 * h
      scale = 2
    case .l2:
      let e = e2.squareRoot()
      sampleLoss = e + l1 * h
      scale = e > 0 ? 1 / e : 0
    }
    let k = fires ? l1 - scale * rl : 0
    let wh = weight * scale * h
    let wk = weight * k
    let ws = weight * scale
    for i in 0..<d {
      let r = residual[i]
      gradL[i] += wk * (x[i] - decoder[i]) - wh * r
      gradDecoder[i] += ws * r + wk * l[i]
    }
    gradEncoder += wk
    return weight * sampleLoss
  }

  /// Turns the accumulated dLoss/dl into dLoss/dw = (I - l l^T) dLoss/dl / |w|, and the
  /// decoder accumulator into dLoss/db_dec.
  @inline(__always) mutating func finishGradient() {
    var lg = 0.0
    for i in 0..<d { lg += l[i] * gradL[i] }
    let inv = 1 / norm
    for i in 0..<d {
      gradW[i] = (gradL[i] - lg * l[i]) * inv
      gradDecoder[i] = -gradDecoder[i]
    }
  }
}
