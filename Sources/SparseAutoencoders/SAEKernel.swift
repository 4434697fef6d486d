import Foundation
import ToyModels

/// The arithmetic of the SAE's loss and gradient over weighted sparse patterns, in flat buffers
/// allocated once: the parameters, their gradient and Adam's moments.
///
/// A pattern fires a few features f with magnitudes m_f; its input is x = sum_f m_f e_f, with
/// e_f the rows of `basis` (n x d) or, without a basis, the unit vectors (d = n). With the
/// encoder seen from the features, E_fi = encoder[i] . e_f, and c_i = b_enc_i - encoder[i] . b_dec
/// (both once per step),
///
///     a_i = c_i + sum_f m_f E_fi
///     loss = sum_l omega_l rec(xhat_l - x) + lambda sum_{i active} h_i |decoder[i]|
///
/// with omega_l the SAE's prefix weights (`SAE.prefixWeights`: 1 each, or a balance
/// Matryoshka SAE's beta^(L - l)); the L1 term counts each latent once, whatever its prefixes.
/// A pattern costs O(k |F| + |active|^2 + |F|^2) for MSE (worked in latent coordinates, see
/// `accumulateSquared`) and O(k |F| + |active| d + L d) for l2, not O(k d); parts of the
/// gradient that do not depend on the pattern are gathered per latent and applied once per step:
/// dL/dencoder[i] = sum_j w_j da_ji (x_j - b_dec) = sum_f Q_fi e_f - S_i b_dec, with
/// Q_fi = sum_j w_j da_ji m_jf and S_i = sum_j w_j da_ji (= dL/db_enc_i).
final class SAEKernel {
  let latents: Int
  let dimensions: Int
  let features: Int
  let tied: Bool
  @exclusivity(unchecked) var activation: SAE.Activation
  /// BatchTopK: keep the batch's k B largest activations (training) instead of the threshold.
  @exclusivity(unchecked) var batchSelection = false
  @exclusivity(unchecked) var l1 = 0.0
  /// Whether Adam moves the biases (a frozen one keeps its value).
  @exclusivity(unchecked) var trainsEncoderBias = true
  @exclusivity(unchecked) var trainsDecoderBias = true
  @exclusivity(unchecked) var reconstruction = ReconstructionLoss.mse

  private let prefixes: [Int]
  /// The block of latent i: the first prefix l with i < prefixes[l].
  private let block: UnsafeMutablePointer<Int>
  /// Per prefix l (0-based): its loss weight omega_l, and the weight of the prefixes from l on,
  /// W_l = sum_{l' >= l} omega_l' (W_0 the total): the weight of the losses latent i of block b
  /// takes part in is W_b.
  private let prefixWeight: UnsafeMutablePointer<Double>
  private let tailWeight: UnsafeMutablePointer<Double>
  private let basis: UnsafeMutablePointer<Double>?

  /// encoder (k d, absent when tied) | encoder bias (k) | decoder (k d) | decoder bias (d).
  let parameterCount: Int
  let parameters: UnsafeMutablePointer<Double>
  let gradient: UnsafeMutablePointer<Double>
  private let adamFirst: UnsafeMutablePointer<Double>
  private let adamSecond: UnsafeMutablePointer<Double>
  @exclusivity(unchecked) private var adamSteps = 0
  /// 1 - beta1^t and 1 - beta2^t of the last Adam step.
  @exclusivity(unchecked) private var adamCorrections = (0.0, 0.0)
  let encoder: UnsafeMutablePointer<Double>
  let encoderBias: UnsafeMutablePointer<Double>
  let decoder: UnsafeMutablePointer<Double>
  let decoderBias: UnsafeMutablePointer<Double>
  private let encoderGradient: UnsafeMutablePointer<Double>
  private let encoderBiasGradient: UnsafeMutablePointer<Double>
  private let decoderGradient: UnsafeMutablePointer<Double>
  private let decoderBiasGradient: UnsafeMutablePointer<Double>

  /// Per step: E (n k), c (k), |decoder[i]| (k); Q (n k), sum_j w_j h_ji (k).
  private let encoderByFeature: UnsafeMutablePointer<Double>
  private let offset: UnsafeMutablePointer<Double>
  private let decoderNorm: UnsafeMutablePointer<Double>
  private let q: UnsafeMutablePointer<Double>
  private let activationSum: UnsafeMutablePointer<Double>
  /// Per pattern: a (k), the active latents in increasing order (k), w da (k, 0 where
  /// inactive), x (d), xhat (d), and the residual gradients of the prefixes (L d).
  private let a: UnsafeMutablePointer<Double>
  private let da: UnsafeMutablePointer<Double>
  private let active: UnsafeMutablePointer<Int>
  private let x: UnsafeMutablePointer<Double>
  private let xhat: UnsafeMutablePointer<Double>
  private let residual: UnsafeMutablePointer<Double>
  /// MSE in latent coordinates (see `accumulateSquared`). Per step: K = decoder decoder^T
  /// (k k), u = decoder b_dec (k), P_fi = decoder[i] . e_f (n k), e_f . b_dec (n), |b_dec|^2;
  /// per kernel: e_f . e_g (n n). Accumulated: Gamma (k k), alpha (k), Phi (n k), phi (n),
  /// beta. Per pattern: v (k), q (k).
  private let gram: UnsafeMutablePointer<Double>
  private let decoderTimesBias: UnsafeMutablePointer<Double>
  private let decoderByFeature: UnsafeMutablePointer<Double>
  private let featureTimesBias: UnsafeMutablePointer<Double>
  private let featureGram: UnsafeMutablePointer<Double>
  /// |b_dec|^2 and beta, in memory of their own (no exclusivity checks in the pattern loop).
  private let scalars: UnsafeMutablePointer<Double>
  private let gamma: UnsafeMutablePointer<Double>
  private let alpha: UnsafeMutablePointer<Double>
  private let phi: UnsafeMutablePointer<Double>
  private let phiBias: UnsafeMutablePointer<Double>
  private let v: UnsafeMutablePointer<Double>
  private let qv: UnsafeMutablePointer<Double>
  /// Per pattern, by position among the active latents: h, L - b and q.
  private let hs: UnsafeMutablePointer<Double>
  private let shares: UnsafeMutablePointer<Double>
  private let qs: UnsafeMutablePointer<Double>
  /// BatchTopK selection: every pattern's a (P k), kept flags (P k), the candidates (a > 0).
  private var selectionCapacity = 0
  private var preactivations = UnsafeMutablePointer<Double>.allocate(capacity: 0)
  private var kept = UnsafeMutablePointer<Bool>.allocate(capacity: 0)
  private var candidateValue = UnsafeMutablePointer<Double>.allocate(capacity: 0)
  private var candidateKey = UnsafeMutablePointer<Int>.allocate(capacity: 0)

  /// The smallest activation kept by the last batch selection (nil if none was positive).
  private(set) var smallestKept: Double?

  /// - Parameter basis: the features' directions, n rows of sae.dimensions; nil for d = n.
  init(_ sae: SAE, basis: [[Double]]? = nil) {
    let k = sae.latents
    let d = sae.dimensions
    let n = basis?.count ?? d
    latents = k
    dimensions = d
    features = n
    tied = sae.tied
    activation = sae.activation
    prefixes = sae.prefixes
    block = Self.blocks(sae.prefixes, latents: k)
    (prefixWeight, tailWeight) = Self.weights(sae.prefixWeights)
    if let basis { precondition(basis.allSatisfy { $0.count == d }, "basis rows of \(d) values") }
    self.basis = basis.map { Self.flat($0) }
    let encoderCount = tied ? 0 : k * d
    parameterCount = encoderCount + k + k * d + d
    parameters = .allocate(capacity: parameterCount)
    gradient = .allocate(capacity: parameterCount)
    adamFirst = .allocate(capacity: parameterCount)
    adamSecond = .allocate(capacity: parameterCount)
    adamFirst.initialize(repeating: 0, count: parameterCount)
    adamSecond.initialize(repeating: 0, count: parameterCount)
    gradient.initialize(repeating: 0, count: parameterCount)
    encoderBias = parameters + encoderCount
    decoder = encoderBias + k
    decoderBias = decoder + k * d
    encoder = tied ? decoder : parameters
    encoderBiasGradient = gradient + encoderCount
    decoderGradient = encoderBiasGradient + k
    decoderBiasGradient = decoderGradient + k * d
    encoderGradient = tied ? decoderGradient : gradient
    if !tied { encoder.update(from: sae.encoder, count: k * d) }
    encoderBias.update(from: sae.encoderBias, count: k)
    decoder.update(from: sae.decoder, count: k * d)
    decoderBias.update(from: sae.decoderBias, count: d)
    encoderByFeature = .allocate(capacity: n * k)
    offset = .allocate(capacity: k)
    decoderNorm = .allocate(capacity: k)
    q = .allocate(capacity: k * n)
    activationSum = .allocate(capacity: k)
    a = .allocate(capacity: k)
    da = .allocate(capacity: k)
    active = .allocate(capacity: k)
    x = .allocate(capacity: d)
    xhat = .allocate(capacity: d)
    residual = .allocate(capacity: prefixes.count * d)
    gram = .allocate(capacity: k * k)
    decoderTimesBias = .allocate(capacity: k)
    decoderByFeature = .allocate(capacity: n * k)
    featureTimesBias = .allocate(capacity: n)
    featureGram = Self.gram(basis, features: n)
    gamma = .allocate(capacity: k * k)
    scalars = .allocate(capacity: 2)
    alpha = .allocate(capacity: k)
    phi = .allocate(capacity: n * k)
    phiBias = .allocate(capacity: n)
    v = .allocate(capacity: k)
    qv = .allocate(capacity: k)
    hs = .allocate(capacity: k)
    shares = .allocate(capacity: k)
    qs = .allocate(capacity: k)
  }

  /// The block of each latent: the first prefix l with i < prefixes[l].
  private static func blocks(_ prefixes: [Int], latents k: Int) -> UnsafeMutablePointer<Int> {
    let block = UnsafeMutablePointer<Int>.allocate(capacity: k)
    var l = 0
    for i in 0..<k {
      while i >= prefixes[l] { l += 1 }
      block[i] = l
    }
    return block
  }

  /// Each prefix's loss weight, and the sum of the weights from each prefix to the last.
  private static func weights(_ w: [Double]) -> (
    UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>
  ) {
    let weight = UnsafeMutablePointer<Double>.allocate(capacity: w.count)
    let tail = UnsafeMutablePointer<Double>.allocate(capacity: w.count)
    var sum = 0.0
    for l in stride(from: w.count - 1, through: 0, by: -1) {
      weight[l] = w[l]
      sum += w[l]
      tail[l] = sum
    }
    return (weight, tail)
  }

  /// Rows laid end to end.
  private static func flat(_ rows: [[Double]]) -> UnsafeMutablePointer<Double> {
    let d = rows.first?.count ?? 0
    let b = UnsafeMutablePointer<Double>.allocate(capacity: rows.count * d)
    for (f, row) in rows.enumerated() { for c in 0..<d { b[f * d + c] = row[c] } }
    return b
  }

  /// e_f . e_g for the basis rows (the identity without a basis), n x n.
  private static func gram(_ basis: [[Double]]?, features n: Int) -> UnsafeMutablePointer<Double> {
    let g = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
    for f in 0..<n {
      for h in 0..<n {
        g[f * n + h] =
          basis.map { b in b[f].indices.reduce(0.0) { $0 + b[f][$1] * b[h][$1] } }
          ?? (f == h ? 1 : 0)
      }
    }
    return g
  }

  deinit {
    for p in [
      parameters, gradient, adamFirst, adamSecond, encoderByFeature, offset, decoderNorm, q,
      activationSum, a, da, x, xhat, residual, preactivations, candidateValue, gram,
      decoderTimesBias, decoderByFeature, featureTimesBias, featureGram, gamma, alpha, phi,
      phiBias, v, qv, hs, shares, qs, scalars, prefixWeight, tailWeight,
    ] { p.deallocate() }
    basis?.deallocate()
    block.deallocate()
    active.deallocate()
    kept.deallocate()
    candidateKey.deallocate()
  }

  /// The SAE with the kernel's parameters and `activation`.
  func store(into sae: inout SAE) {
    let k = latents
    let d = dimensions
    if !tied { sae.encoder = Array(UnsafeBufferPointer(start: encoder, count: k * d)) }
    sae.encoderBias = Array(UnsafeBufferPointer(start: encoderBias, count: k))
    sae.decoder = Array(UnsafeBufferPointer(start: decoder, count: k * d))
    sae.decoderBias = Array(UnsafeBufferPointer(start: decoderBias, count: d))
    sae.activation = activation
  }

  // MARK: - One batch

  /// What a batch's patterns all share, read once (class properties cost an exclusivity check
  /// per access).
  private struct Pass {
    var activation: SAE.Activation
    var mse: Bool
    /// The L1 coefficient for relu, 0 otherwise.
    var lambda: Double
  }

  /// The batch's loss sum_j w_j loss(x_j); the gradient is left in `gradient`.
  func loss(_ batch: PatternBatch) -> Double {
    prepare()
    var lambda = 0.0
    if case .relu = activation { lambda = l1 }
    let pass = Pass(activation: activation, mse: reconstruction == .mse, lambda: lambda)
    var total = 0.0
    if batchSelection, case .batchTopK(let top, _) = activation {
      total = selectedLoss(batch, top: top, pass)
    } else {
      for p in 0..<batch.count {
        let f = batch.features + batch.offsets[p]
        let m = batch.magnitudes + batch.offsets[p]
        let count = batch.offsets[p + 1] - batch.offsets[p]
        preactivate(f, m, count, into: a)
        let on = mask(a, pass.activation)
        total += add(batch.weights[p], f, m, count, a, on, pass)
      }
    }
    finish()
    return total
  }

  /// E, c and the decoder norms for this step's parameters; the accumulators zeroed.
  private func prepare() {
    let k = latents
    let d = dimensions
    let n = features
    for i in 0..<k {
      let e = encoder + i * d
      var s = encoderBias[i]
      for c in 0..<d { s -= e[c] * decoderBias[c] }
      offset[i] = s
      var norm = 0.0
      let row = decoder + i * d
      for c in 0..<d { norm += row[c] * row[c] }
      decoderNorm[i] = norm.squareRoot()
    }
    if let basis {
      for f in 0..<n {
        let ef = basis + f * d
        for i in 0..<k {
          let e = encoder + i * d
          var s = 0.0
          for c in 0..<d { s += e[c] * ef[c] }
          encoderByFeature[f * k + i] = s
        }
      }
    } else {
      for i in 0..<k { for f in 0..<n { encoderByFeature[f * k + i] = encoder[i * d + f] } }
    }
    gradient.update(repeating: 0, count: parameterCount)
    q.update(repeating: 0, count: n * k)
    activationSum.update(repeating: 0, count: k)
    guard reconstruction == .mse else { return }
    for i in 0..<k {
      let row = decoder + i * d
      for j in 0...i {
        let g = dot(row, decoder + j * d, d)
        gram[i * k + j] = g
        gram[j * k + i] = g
      }
      decoderTimesBias[i] = dot(row, decoderBias, d)
    }
    if let basis {
      for f in 0..<n {
        let ef = basis + f * d
        for i in 0..<k { decoderByFeature[f * k + i] = dot(decoder + i * d, ef, d) }
        featureTimesBias[f] = dot(ef, decoderBias, d)
      }
    } else {
      for i in 0..<k { for f in 0..<n { decoderByFeature[f * k + i] = decoder[i * d + f] } }
      copy(decoderBias, featureTimesBias, n)
    }
    scalars[0] = dot(decoderBias, decoderBias, d)
    gamma.update(repeating: 0, count: k * k)
    alpha.update(repeating: 0, count: k)
    phi.update(repeating: 0, count: n * k)
    phiBias.update(repeating: 0, count: n)
    scalars[1] = 0
  }

  @inline(__always) private func preactivate(
    _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>, _ count: Int,
    into a: UnsafeMutablePointer<Double>
  ) {
    let k = latents
    copy(offset, a, k)
    for t in 0..<count { axpy(m[t], encoderByFeature + Int(f[t]) * k, a, k) }
  }

  /// The active latents of pre-activations `a` into `active` (increasing); their number.
  @inline(__always) private func mask(
    _ a: UnsafeMutablePointer<Double>, _ activation: SAE.Activation
  ) -> Int {
    let k = latents
    var on = 0
    switch activation {
    case .relu:
      for i in 0..<k {
        active[on] = i
        on &+= a[i] > 0 ? 1 : 0
      }
    case .batchTopK(_, let threshold):
      for i in 0..<k {
        active[on] = i
        on &+= a[i] > threshold ? 1 : 0
      }
    case .topK(let top):
      // Keep the `top` largest positive a_i in `active`, largest first (ties: lower index).
      for i in 0..<k where a[i] > 0 {
        if on == top && !(a[i] > a[active[top - 1]]) { continue }
        var j = on == top ? top - 1 : on
        while j > 0 && a[i] > a[active[j - 1]] {
          active[j] = active[j - 1]
          j -= 1
        }
        active[j] = i
        if on < top { on += 1 }
      }
      for t in 1..<max(on, 1) {
        let v = active[t]
        var j = t
        while j > 0 && active[j - 1] > v {
          active[j] = active[j - 1]
          j -= 1
        }
        active[j] = v
      }
    }
    return on
  }

  /// One pattern's weighted loss and gradient, with h_i = a_i on the `on` latents of `active`.
  @inline(__always) private func add(
    _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ on: Int, _ pass: Pass
  ) -> Double {
    pass.mse
      ? accumulateSquared(w, f, m, count, a, on, pass.lambda)
      : accumulate(w, f, m, count, a, on, pass.lambda)
  }

  /// `add` for MSE, without a d-dimensional vector: with b_i the block of latent i, W_b the
  /// weight of the prefixes from b on (W_0 of all; L - b when every prefix weighs 1),
  /// r_l = (b_dec - x) + sum_{i active, b_i <= l} h_i decoder[i] and K, u, P of `prepare`,
  ///
  ///     v_i = u_i - sum_f m_f P_fi = decoder[i] . (b_dec - x)
  ///     q_i = sum_{i' active} W_max(b_i, b_i') h_i' K_ii'
  ///     sum_l omega_l |r_l|^2 = W_0 |b_dec - x|^2 + sum_i h_i (2 W_b_i v_i + q_i)
  ///     dL/dh_i = 2 (W_b_i v_i + q_i)
  ///     dL/ddecoder[i] = 2 h_i (W_b_i (b_dec - x) + sum_i' W_max(b_i, b_i') h_i' decoder[i'])
  ///     dL/db_dec = 2 (W_0 (b_dec - x) + sum_i W_b_i h_i decoder[i])
  ///
  /// The last two are gathered as Gamma_ii', alpha_i, Phi_fi, phi_f and beta (`finish` applies
  /// them), so a pattern costs O(k |F| + |active|^2 + |F|^2).
  @inline(__always) private func accumulateSquared(
    _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ on: Int, _ lambda: Double
  ) -> Double {
    let k = latents
    let n = features
    let l = tailWeight[0]
    copy(decoderTimesBias, v, k)
    var bx = scalars[0]
    for t in 0..<count {
      let ft = Int(f[t])
      axpy(-m[t], decoderByFeature + ft * k, v, k)
      bx -= 2 * m[t] * featureTimesBias[ft]
      for t2 in 0..<count { bx += m[t] * m[t2] * featureGram[ft * n + Int(f[t2])] }
    }
    var loss = l * bx
    // Active latents are increasing, so their blocks are too: for s2 <= s the pair shares
    // the prefixes from b_i on, of weight W_b_i. Gamma keeps its lower triangle (i2 <= i);
    // `finish` mirrors it.
    for s in 0..<on {
      hs[s] = a[active[s]]
      shares[s] = tailWeight[block[active[s]]]
      qs[s] = 0
    }
    for s in 0..<on {
      let i = active[s]
      let row = gram + i * k
      let gammaRow = gamma + i * k
      let c = shares[s] * hs[s]
      let c2 = 2 * w * c
      var qi = 0.0
      for s2 in 0..<s {
        let i2 = active[s2]
        qi += row[i2] * hs[s2]
        qs[s2] += c * row[i2]
        gammaRow[i2] += c2 * hs[s2]
      }
      qs[s] += shares[s] * (qi + hs[s] * row[i])
      gammaRow[i] += c2 * hs[s]
    }
    da.update(repeating: 0, count: k)
    for s in 0..<on {
      let i = active[s]
      let h = hs[s]
      let li = shares[s]
      loss += h * (2 * li * v[i] + qs[s])
      var dh = 2 * (li * v[i] + qs[s])
      if lambda > 0 {
        loss += lambda * h * decoderNorm[i]
        dh += lambda * decoderNorm[i]
        activationSum[i] += w * h
      }
      alpha[i] += 2 * w * h * li
      da[i] = w * dh
      encoderBiasGradient[i] += da[i]
    }
    // This pattern's part of alpha as a k-vector, for Phi.
    qv.update(repeating: 0, count: k)
    for s in 0..<on { qv[active[s]] = 2 * w * hs[s] * shares[s] }
    let wl2 = 2 * w * l
    scalars[1] += wl2
    for t in 0..<count {
      let ft = Int(f[t])
      axpy(m[t], da, q + ft * k, k)
      axpy(m[t], qv, phi + ft * k, k)
      phiBias[ft] += wl2 * m[t]
    }
    return w * loss
  }

  /// `add` for l2, in d dimensions: xhat_l built prefix by prefix (in the last prefix's slot),
  /// g_l = omega_l r_l / |r_l| (0 where r_l = 0), G_l = sum_{l' >= l} g_l' for the latents of
  /// block l.
  @inline(__always) private func accumulate(
    _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ on: Int, _ lambda: Double
  ) -> Double {
    let d = dimensions
    let levels = prefixes.count
    if let basis {
      x.update(repeating: 0, count: d)
      for t in 0..<count { axpy(m[t], basis + Int(f[t]) * d, x, d) }
    }
    var loss = 0.0
    let last = residual + (levels - 1) * d
    copy(decoderBias, last, d)
    var next = 0
    for l in 0..<levels {
      while next < on && active[next] < prefixes[l] {
        let i = active[next]
        axpy(a[i], decoder + i * d, last, d)
        next += 1
      }
      let r = residual + l * d
      let r2: Double
      if basis != nil {
        r2 = difference(last, x, r, d)
      } else {
        if l < levels - 1 { copy(last, r, d) }
        for t in 0..<count { r[Int(f[t])] -= m[t] }
        r2 = dot(r, r, d)
      }
      let norm = r2.squareRoot()
      let weight = prefixWeight[l]
      loss += weight * norm
      scale(norm > 0 ? weight / norm : 0, r, d)
    }
    if levels > 1 {
      for l in stride(from: levels - 2, through: 0, by: -1) {
        let r = residual + l * d
        axpy(1, r + d, r, d)
      }
    }
    axpy(w, residual, decoderBiasGradient, d)
    let k = latents
    da.update(repeating: 0, count: k)
    for t in 0..<on {
      let i = active[t]
      let h = a[i]
      let wh = w * h
      let g = residual + block[i] * d
      var dh = dotAndAxpy(decoder + i * d, g, wh, decoderGradient + i * d, d)
      if lambda > 0 {
        loss += lambda * h * decoderNorm[i]
        dh += lambda * decoderNorm[i]
        activationSum[i] += wh
      }
      da[i] = w * dh
      encoderBiasGradient[i] += da[i]
    }
    for t in 0..<count { axpy(m[t], da, q + Int(f[t]) * k, k) }
    return w * loss
  }

  /// Applies the per-latent sums: the encoder's gradient sum_f Q_fi e_f - S_i b_dec, the decoder
  /// bias's - sum_i S_i encoder[i], and the L1 term's lambda (sum_j w_j h_ji) decoder[i] / |.|.
  private func finish() {
    let k = latents
    let d = dimensions
    let n = features
    if reconstruction == .mse {
      // dL/ddecoder[i] += alpha_i b_dec - sum_f Phi_fi e_f + sum_i' Gamma_ii' decoder[i'];
      // dL/db_dec += beta b_dec - sum_f phi_f e_f + sum_i alpha_i decoder[i].
      for i in 0..<k {
        for j in 0..<i { gamma[j * k + i] = gamma[i * k + j] }
      }
      for i in 0..<k {
        let g = decoderGradient + i * d
        axpy(alpha[i], decoderBias, g, d)
        for j in 0..<k where gamma[i * k + j] != 0 { axpy(gamma[i * k + j], decoder + j * d, g, d) }
        for f in 0..<n where phi[f * k + i] != 0 {
          if let basis {
            axpy(-phi[f * k + i], basis + f * d, g, d)
          } else {
            g[f] -= phi[f * k + i]
          }
        }
        axpy(alpha[i], decoder + i * d, decoderBiasGradient, d)
      }
      axpy(scalars[1], decoderBias, decoderBiasGradient, d)
      for f in 0..<n where phiBias[f] != 0 {
        if let basis {
          axpy(-phiBias[f], basis + f * d, decoderBiasGradient, d)
        } else {
          decoderBiasGradient[f] -= phiBias[f]
        }
      }
    }
    for i in 0..<k {
      let s = encoderBiasGradient[i]
      let e = encoder + i * d
      let ge = encoderGradient + i * d
      for c in 0..<d {
        ge[c] -= s * decoderBias[c]
        decoderBiasGradient[c] -= s * e[c]
      }
      if let basis {
        for f in 0..<n where q[f * k + i] != 0 { axpy(q[f * k + i], basis + f * d, ge, d) }
      } else {
        for f in 0..<n { ge[f] += q[f * k + i] }
      }
      if activationSum[i] != 0 && decoderNorm[i] > 0 {
        let scale = l1 * activationSum[i] / decoderNorm[i]
        let row = decoder + i * d
        let g = decoderGradient + i * d
        for c in 0..<d { g[c] += scale * row[c] }
      }
    }
  }

  // MARK: - BatchTopK

  /// BatchTopK's loss: the activations kept are the batch's `top` B largest positive a_ji, each
  /// pattern j counted w_j B times; the weight they may take is top * sum_j w_j. The last one
  /// kept may be kept for only part of its weight: its pattern then enters twice, with the
  /// latent on for the part kept and off for the rest.
  private func selectedLoss(_ batch: PatternBatch, top: Int, _ pass: Pass) -> Double {
    let k = latents
    let patterns = batch.count
    reserveSelection(patterns * k)
    var candidates = 0
    var total = 0.0
    for p in 0..<patterns {
      let f = batch.features + batch.offsets[p]
      let m = batch.magnitudes + batch.offsets[p]
      let ap = preactivations + p * k
      preactivate(f, m, batch.offsets[p + 1] - batch.offsets[p], into: ap)
      total += batch.weights[p]
      for i in 0..<k where ap[i] > 0 {
        candidateValue[candidates] = ap[i]
        candidateKey[candidates] = p * k + i
        candidates += 1
      }
    }
    let boundary = selectKept(candidates, budget: Double(top) * total, weights: batch.weights)
    kept.update(repeating: false, count: patterns * k)
    for e in 0..<boundary.index { kept[candidateKey[e]] = true }
    var split: (key: Int, weight: Double)? = nil
    if boundary.index < candidates {
      let key = candidateKey[boundary.index]
      if boundary.weight < batch.weights[key / k] {
        split = (key, boundary.weight)
      } else {
        kept[key] = true
      }
      smallestKept = candidateValue[boundary.index]
    } else {
      smallestKept = candidates > 0 ? (0..<candidates).map { candidateValue[$0] }.min() : nil
    }
    var loss = 0.0
    for p in 0..<patterns {
      let f = batch.features + batch.offsets[p]
      let m = batch.magnitudes + batch.offsets[p]
      let count = batch.offsets[p + 1] - batch.offsets[p]
      let ap = preactivations + p * k
      let flags = kept + p * k
      var w = batch.weights[p]
      if let s = split, s.key / k == p {
        flags[s.key % k] = true
        loss += add(s.weight, f, m, count, ap, keptLatents(flags), pass)
        flags[s.key % k] = false
        w -= s.weight
      }
      loss += add(w, f, m, count, ap, keptLatents(flags), pass)
    }
    return loss
  }

  /// The kept latents of one pattern's flags into `active`; their number.
  @inline(__always) private func keptLatents(_ flags: UnsafeMutablePointer<Bool>) -> Int {
    var on = 0
    for i in 0..<latents where flags[i] {
      active[on] = i
      on += 1
    }
    return on
  }

  /// Orders the candidates so that those kept come first: returns the index of the last one
  /// kept (`count` if all fit) and the weight it is kept for.
  ///
  /// The order is a_ji decreasing, ties by pattern then latent; the kept ones are the shortest
  /// prefix of that order whose weight reaches `budget`. A weighted quickselect (median of
  /// three pivots): O(count) on average.
  private func selectKept(_ count: Int, budget: Double, weights: UnsafeMutablePointer<Double>)
    -> (index: Int, weight: Double)
  {
    let k = latents
    let value = candidateValue
    let key = candidateKey
    @inline(__always) func before(_ s: Int, _ t: Int) -> Bool {
      value[s] > value[t] || (value[s] == value[t] && key[s] < key[t])
    }
    @inline(__always) func swapAt(_ s: Int, _ t: Int) {
      (value[s], value[t]) = (value[t], value[s])
      (key[s], key[t]) = (key[t], key[s])
    }
    var lo = 0
    var hi = count
    var taken = 0.0
    while lo < hi {
      let mid = lo + (hi - lo) / 2
      let last = hi - 1
      // Median of lo, mid, last to `last`.
      if before(mid, lo) { swapAt(mid, lo) }
      if before(last, lo) { swapAt(last, lo) }
      if before(mid, last) { swapAt(mid, last) }
      var store = lo
      var ahead = 0.0
      for e in lo..<last where before(e, last) {
        swapAt(e, store)
        ahead += weights[key[store] / k]
        store += 1
      }
      swapAt(store, last)
      if taken + ahead >= budget {
        hi = store
        continue
      }
      let w = weights[key[store] / k]
      if taken + ahead + w >= budget { return (store, budget - taken - ahead) }
      taken += ahead + w
      lo = store + 1
    }
    return (count, 0)
  }

  private func reserveSelection(_ entries: Int) {
    guard entries > selectionCapacity else { return }
    preactivations.deallocate()
    kept.deallocate()
    candidateValue.deallocate()
    candidateKey.deallocate()
    selectionCapacity = max(entries, 2 * selectionCapacity)
    preactivations = .allocate(capacity: selectionCapacity)
    kept = .allocate(capacity: selectionCapacity)
    candidateValue = .allocate(capacity: selectionCapacity)
    candidateKey = .allocate(capacity: selectionCapacity)
  }

  /// The gradient left by `loss(_:)`, laid out as the SAE's arrays.
  var gradientValue: SAEGradient {
    let k = latents
    let d = dimensions
    func array(_ p: UnsafeMutablePointer<Double>, _ count: Int) -> [Double] {
      Array(UnsafeBufferPointer(start: p, count: count))
    }
    return SAEGradient(
      encoder: tied ? [] : array(encoderGradient, k * d),
      encoderBias: array(encoderBiasGradient, k), decoder: array(decoderGradient, k * d),
      decoderBias: array(decoderBiasGradient, d))
  }

  // MARK: - Updates

  /// One Adam step on every parameter that trains, from `gradient` (Kingma & Ba,
  /// bias-corrected):
  ///
  ///     m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2
  ///     theta -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
  func adam(learningRate lr: Double, beta1: Double, beta2: Double, epsilon: Double = 1e-8) {
    adamSteps += 1
    // 1 - beta^t, until it rounds to 1 (beta^t only falls): then 1 without a pow.
    if adamCorrections.0 < 1 { adamCorrections.0 = 1 - pow(beta1, Double(adamSteps)) }
    if adamCorrections.1 < 1 { adamCorrections.1 = 1 - pow(beta2, Double(adamSteps)) }
    let (c1, c2) = adamCorrections
    let first = adamFirst
    let second = adamSecond
    let parameters = parameters
    let gradient = gradient
    @inline(__always) func update(_ range: Range<Int>) {
      for j in range {
        let g = gradient[j]
        let m = beta1 * first[j] + (1 - beta1) * g
        let v = beta2 * second[j] + (1 - beta2) * g * g
        first[j] = m
        second[j] = v
        parameters[j] -= lr * (m / c1) / ((v / c2).squareRoot() + epsilon)
      }
    }
    // encoder (k d, absent when tied) | encoder bias (k) | decoder (k d) | decoder bias (d).
    let biasStart = encoderBias - parameters
    let decoderStart = decoder - parameters
    let decoderBiasStart = decoderBias - parameters
    update(0..<biasStart)
    if trainsEncoderBias { update(biasStart..<decoderStart) }
    update(decoderStart..<decoderBiasStart)
    if trainsDecoderBias { update(decoderBiasStart..<parameterCount) }
  }

  /// Every decoder row divided by its norm (rows of norm 0 are left as they are); whether
  /// every norm was finite (a row that overflowed or holds a NaN is not).
  @discardableResult func normaliseDecoderRows() -> Bool {
    let d = dimensions
    var finite = true
    for i in 0..<latents {
      let row = decoder + i * d
      var s = 0.0
      for c in 0..<d { s += row[c] * row[c] }
      let norm = s.squareRoot()
      finite = finite && norm.isFinite
      if norm > 0 { for c in 0..<d { row[c] /= norm } }
    }
    return finite
  }
}

// MARK: - Vector loops (four lanes at a time; sums in a fixed order, so the bits are the same
// on every run)

@inline(__always) private func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always) private func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}

@inline(__always) private func total(_ s: SIMD4<Double>) -> Double {
  (s[0] + s[1]) + (s[2] + s[3])
}

/// y += alpha x over n values.
@inline(__always) private func axpy(
  _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int
) {
  let a = SIMD4<Double>(repeating: alpha)
  var c = 0
  while c + 4 <= n {
    store(load(y + c) + a * load(x + c), y + c)
    c += 4
  }
  while c < n {
    y[c] += alpha * x[c]
    c += 1
  }
}

/// x . y over n values.
@inline(__always) private func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int)
  -> Double
{
  var s = SIMD4<Double>()
  var c = 0
  while c + 4 <= n {
    s += load(x + c) * load(y + c)
    c += 4
  }
  var t = total(s)
  while c < n {
    t += x[c] * y[c]
    c += 1
  }
  return t
}

/// x . g, and y += alpha g, over n values in one pass.
@inline(__always) private func dotAndAxpy(
  _ x: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ alpha: Double,
  _ y: UnsafeMutablePointer<Double>, _ n: Int
) -> Double {
  let a = SIMD4<Double>(repeating: alpha)
  var s = SIMD4<Double>()
  var c = 0
  while c + 4 <= n {
    let gc = load(g + c)
    s += load(x + c) * gc
    store(load(y + c) + a * gc, y + c)
    c += 4
  }
  var t = total(s)
  while c < n {
    t += x[c] * g[c]
    y[c] += alpha * g[c]
    c += 1
  }
  return t
}

/// r = u - v, returning r . r, over n values.
@inline(__always) private func difference(
  _ u: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>,
  _ n: Int
) -> Double {
  var s = SIMD4<Double>()
  var c = 0
  while c + 4 <= n {
    let rc = load(u + c) - load(v + c)
    store(rc, r + c)
    s += rc * rc
    c += 4
  }
  var t = total(s)
  while c < n {
    let rc = u[c] - v[c]
    r[c] = rc
    t += rc * rc
    c += 1
  }
  return t
}

/// y = x over n values.
@inline(__always) private func copy(
  _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int
) {
  var c = 0
  while c + 4 <= n {
    store(load(x + c), y + c)
    c += 4
  }
  while c < n {
    y[c] = x[c]
    c += 1
  }
}

/// y *= alpha over n values.
@inline(__always) private func scale(_ alpha: Double, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
  let a = SIMD4<Double>(repeating: alpha)
  var c = 0
  while c + 4 <= n {
    store(a * load(y + c), y + c)
    c += 4
  }
  while c < n {
    y[c] *= alpha
    c += 1
  }
}
