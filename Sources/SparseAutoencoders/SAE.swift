import ToyModels

/// A sparse autoencoder with k latents on d dimensions, as a value.
///
///     a_i = encoder[i] . (x - decoderBias) + encoderBias[i]
///     h   = activation(a)
///     xhat_m = sum_{i < m} h_i decoder[i] + decoderBias   for each Matryoshka prefix m
///
/// A balance Matryoshka SAE (the paper's final version) weighs its prefixes' losses by powers
/// of a balance coefficient beta (`prefixWeights`). Its L1 penalty weighs latent i by
/// `l1Weights` (once, or once per prefix containing it as the authors' Matryoshka SAE).
///
/// Tied SAEs have no encoder of their own: the decoder rows serve. Rows are used as given (a
/// trainer keeps decoder rows unit-norm).
public struct SAE: Sendable, Hashable {
  /// The activation h = activation(a).
  public enum Activation: Sendable, Hashable {
    /// h = max(a, 0), with an L1 penalty lambda sum_i h_i |decoder[i]| (as SAELens).
    case relu
    /// The `k` largest positive a_i kept, the rest 0 (ties: the lower index first).
    case topK(Int)
    /// At evaluation h_i = a_i where a_i > threshold (the threshold fitted during training).
    case batchTopK(k: Int, threshold: Double)
  }

  /// Number of latents, k >= 1.
  public let latents: Int
  /// Number of dimensions, d >= 1.
  public let dimensions: Int
  public var tied: Bool
  public var activation: Activation
  /// Matryoshka prefix lengths, strictly increasing, the last equal to `latents`; [latents] for
  /// a plain SAE.
  public var prefixes: [Int]
  /// The balance coefficient beta >= 0 of a balance Matryoshka SAE; nil for the standard one
  /// (every prefix weighs 1). Only with two or more prefixes.
  public private(set) var balance: Double?
  /// Whether each Matryoshka prefix adds its own L1 term over its latents, weighted as its
  /// reconstruction (`l1Weights`), as the authors' `MatryoshkaSAE` does by default
  /// (`include_matryoshka_inner_l1_loss=True`, hedging_paper/saes/matryoshka_sae.py lines 23
  /// and 228-253); false: one L1 term over all latents.
  public private(set) var l1PerPrefix: Bool
  /// Row-major k x d (unused when tied).
  public var encoder: [Double]
  public var encoderBias: [Double]
  /// Row-major k x d.
  public var decoder: [Double]
  public var decoderBias: [Double]

  /// - Throws: `FieldError` naming the field if a size is wrong, the prefixes are not
  ///   strictly increasing in 1...k ending at k, or the balance is not a finite number >= 0
  ///   given with two or more prefixes.
  public init(
    decoder: [[Double]], decoderBias: [Double], encoder: [[Double]]? = nil,
    encoderBias: [Double]? = nil, activation: Activation = .relu, prefixes: [Int]? = nil,
    balance: Double? = nil, l1PerPrefix: Bool = false
  ) throws {
    let k = decoder.count
    guard k >= 1, let d = decoder.first?.count, d >= 1 else {
      throw FieldError(
        field: "decoder", value: "", reason: "needs at least one row of at least one value")
    }
    guard decoder.allSatisfy({ $0.count == d }) else {
      throw FieldError(field: "decoder", value: "", reason: "rows of different lengths")
    }
    guard decoderBias.count == d else {
      throw FieldError(
        field: "decoder_bias", value: "", reason: "\(decoderBias.count) values for \(d) dimensions")
    }
    if let e = encoder {
      guard e.count == k, e.allSatisfy({ $0.count == d }) else {
        throw FieldError(field: "encoder", value: "", reason: "not \(k) rows of \(d) values")
      }
    }
    let eb = encoderBias ?? [Double](repeating: 0, count: k)
    guard eb.count == k else {
      throw FieldError(
        field: "encoder_bias", value: "", reason: "\(eb.count) values for \(k) latents")
    }
    let p = prefixes ?? [k]
    guard p.last == k, p.first! >= 1, zip(p, p.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw FieldError(
        field: "matryoshka", value: "\(p)",
        reason: "is not strictly increasing in 1...\(k) ending at \(k)")
    }
    if let b = balance {
      guard b.isFinite, b >= 0 else {
        throw FieldError(field: "balance", value: "\(b)", reason: "is not a finite number >= 0")
      }
      guard p.count > 1 else {
        throw FieldError(
          field: "balance", value: "\(b)", reason: "needs Matryoshka prefixes (two or more)")
      }
    }
    switch activation {
    case .relu: break
    case .topK(let n), .batchTopK(let n, _):
      guard n >= 1 && n <= k else {
        throw FieldError(field: "top_k", value: "\(n)", reason: "is not in 1...\(k)")
      }
    }
    latents = k
    dimensions = d
    tied = encoder == nil
    self.activation = activation
    self.prefixes = p
    self.balance = balance
    self.l1PerPrefix = l1PerPrefix
    self.encoder = encoder.map { $0.flatMap { $0 } } ?? []
    self.encoderBias = eb
    self.decoder = decoder.flatMap { $0 }
    self.decoderBias = decoderBias
  }

  /// The pre-activations a (k values) of one input x (d values).
  public func preactivations(_ x: [Double]) -> [Double] {
    let d = dimensions
    let w = tied ? decoder : encoder
    return (0..<latents).map { i in
      var s = encoderBias[i]
      for c in 0..<d { s += w[i * d + c] * (x[c] - decoderBias[c]) }
      return s
    }
  }

  /// Which latents are active (h_i = a_i) for pre-activations a.
  public func activeMask(_ a: [Double]) -> [Bool] {
    switch activation {
    case .relu:
      return a.map { $0 > 0 }
    case .batchTopK(_, let threshold):
      return a.map { $0 > threshold }
    case .topK(let n):
      let order = a.indices.sorted { a[$0] > a[$1] || (a[$0] == a[$1] && $0 < $1) }
      var mask = [Bool](repeating: false, count: a.count)
      for i in order.prefix(n) where a[i] > 0 { mask[i] = true }
      return mask
    }
  }

  /// The loss weight of each Matryoshka prefix (the paper's balance Matryoshka SAE):
  ///
  ///     lambda_l = beta^(L - l)   for prefixes l = 1...L (the outer, full one weighs 1)
  ///
  /// so the innermost weighs beta^(L-1); all 1 without a balance (the standard Matryoshka
  /// SAE, beta = 1). beta = 0 keeps only the outer prefix's loss (a plain SAE).
  public var prefixWeights: [Double] {
    let levels = prefixes.count
    guard let beta = balance else { return [Double](repeating: 1, count: levels) }
    return (1...levels).map { l in
      var w = 1.0
      for _ in 0..<(levels - l) { w *= beta }
      return w
    }
  }

  /// The weight of each latent's L1 term lambda w_i h_i |decoder[i]| (k values):
  ///
  ///     w_i = sum_{l : i < m_l} omega_l   with `l1PerPrefix` (omega_l the `prefixWeights`)
  ///     w_i = 1                           otherwise
  ///
  /// so with `l1PerPrefix` a latent of the innermost prefix of a standard Matryoshka SAE with L
  /// prefixes weighs L, one of the outer block 1. The authors' each prefix adds
  /// l1 x multiplier x sum over its latents (hedging_paper/saes/matryoshka_sae.py
  /// `partial_l1_loss`, line 428, times `inner_loss_multiplier`, lines 245-253).
  public var l1Weights: [Double] {
    guard l1PerPrefix else { return [Double](repeating: 1, count: latents) }
    let omega = prefixWeights
    return (0..<latents).map { i in
      var w = 0.0
      for (l, m) in prefixes.enumerated() where i < m { w += omega[l] }
      return w
    }
  }

  /// The activations h of one input x.
  public func activations(_ x: [Double]) -> [Double] {
    let a = preactivations(x)
    let m = activeMask(a)
    return zip(a, m).map { $1 ? $0 : 0 }
  }

  /// The reconstruction from the first `prefix` latents: sum_{i<prefix} h_i decoder[i] + b_dec.
  public func reconstruction(_ h: [Double], prefix: Int? = nil) -> [Double] {
    let d = dimensions
    var xhat = decoderBias
    for i in 0..<(prefix ?? latents) where h[i] != 0 {
      for c in 0..<d { xhat[c] += h[i] * decoder[i * d + c] }
    }
    return xhat
  }

  /// |decoder[i]|.
  public func decoderNorm(_ i: Int) -> Double {
    let d = dimensions
    return (0..<d).reduce(0.0) { $0 + decoder[i * d + $1] * decoder[i * d + $1] }.squareRoot()
  }
}
