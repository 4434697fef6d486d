import ToyModels

/// The MSE reconstruction term of `SAEPatternPass`, without a d-dimensional vector per pattern.
///
/// With b_i the block of latent i, W_b the weight of the prefixes from b on
/// (`SAEPrefixBlocks`), r_l = (b_dec - x) + sum_{i active, b_i <= l} h_i decoder[i], and per
/// step K = decoder decoder^T, u = decoder b_dec, P_fi = decoder[i] . e_f:
///
///     v_i = u_i - sum_f m_f P_fi = decoder[i] . (b_dec - x)
///     q_i = sum_{i' active} W_max(b_i, b_i') h_i' K_ii'
///     sum_l omega_l |r_l|^2 = W_0 |b_dec - x|^2 + sum_i h_i (2 W_b_i v_i + q_i)
///     dL/dh_i = 2 (W_b_i v_i + q_i)
///     dL/ddecoder[i] = 2 h_i (W_b_i (b_dec - x) + sum_i' W_max(b_i, b_i') h_i' decoder[i'])
///     dL/db_dec = 2 (W_0 (b_dec - x) + sum_i W_b_i h_i decoder[i])
///
/// The last two are gathered over the patterns as Gamma_ii', alpha_i, Phi_fi, phi_f and beta
/// and applied once (`finish`), so a pattern costs O(k |F| + |active|^2 + |F|^2). Buffers are
/// regions of the kernel's workspace.
///
/// Over a chunk of patterns (`multiplyChunk`, then `addRow` per pattern), q and Gamma are
/// matrix products (`MatrixProducts`, one fixed order): with H the chunk's h (rows of k, 0 where
/// inactive), Omega_ii' = W_max(b_i, b_i') (every prefix pair in one product) and o the
/// Hadamard product,
///
///     Q = H (K o Omega),   Gamma += Omega o (H^T diag(2 w) H)
///
/// 3 k^2 flops per pattern (Gamma's lower triangle only), in SIMD tiles, instead of
/// |active|^2 scalar gathers.
struct SAESquaredErrorSums {
  let latents: Int
  let features: Int
  /// Per step: K (k k), u (k), P (n k), e_f . b_dec (n); per kernel: e_f . e_g (n n).
  private let gram: UnsafeMutablePointer<Double>
  private let decoderTimesBias: UnsafeMutablePointer<Double>
  private let decoderByFeature: UnsafeMutablePointer<Double>
  private let featureTimesBias: UnsafeMutablePointer<Double>
  private let featureGram: UnsafeMutablePointer<Double>
  /// |b_dec|^2 and beta, in memory of their own (written in the pattern loop).
  private let scalars: UnsafeMutablePointer<Double>
  /// Summed over the patterns: Gamma (k k, lower triangle until `finish`), alpha (k),
  /// Phi (n k), phi (n).
  private let gamma: UnsafeMutablePointer<Double>
  private let alpha: UnsafeMutablePointer<Double>
  private let phi: UnsafeMutablePointer<Double>
  private let phiBias: UnsafeMutablePointer<Double>
  /// Per pattern: v (k), the pattern's part of alpha (k); by position among the active
  /// latents: h, W_b and q.
  private let v: UnsafeMutablePointer<Double>
  private let qv: UnsafeMutablePointer<Double>
  private let hs: UnsafeMutablePointer<Double>
  private let shares: UnsafeMutablePointer<Double>
  private let qs: UnsafeMutablePointer<Double>
  /// Per kernel: Omega (k k); per step: K o Omega (k k); summed over the chunks:
  /// H^T diag(2 w) H (k k, applied by `finish`).
  private let omega: UnsafeMutablePointer<Double>
  private let weightedGram: UnsafeMutablePointer<Double>
  private let gammaProducts: UnsafeMutablePointer<Double>
  /// Per chunk of `rows` patterns (written by `SAEPatternPass`): H, Q = H (K o Omega) and
  /// diag(2 w) H, each rows x k.
  let rows: Int
  let chunkH: UnsafeMutablePointer<Double>
  private let chunkQ: UnsafeMutablePointer<Double>
  let chunkWeightedH: UnsafeMutablePointer<Double>

  /// The sums for k latents and n features, chunks of `rows` patterns, in regions of `carver`.
  init(_ carver: inout Workspace.Carver, latents k: Int, features n: Int, rows: Int) {
    latents = k
    features = n
    gram = carver.take(k * k)
    decoderTimesBias = carver.take(k)
    decoderByFeature = carver.take(n * k)
    featureTimesBias = carver.take(n)
    featureGram = carver.take(n * n)
    scalars = carver.take(2)
    gamma = carver.take(k * k)
    alpha = carver.take(k)
    phi = carver.take(n * k)
    phiBias = carver.take(n)
    v = carver.take(k)
    qv = carver.take(k)
    hs = carver.take(k)
    shares = carver.take(k)
    qs = carver.take(k)
    omega = carver.take(k * k)
    weightedGram = carver.take(k * k)
    gammaProducts = carver.take(k * k)
    self.rows = rows
    chunkH = carver.take(rows * k)
    chunkQ = carver.take(rows * k)
    chunkWeightedH = carver.take(rows * k)
  }

  /// Omega_ii' = W_max(b_i, b_i') of `prefixes`' blocks and tail weights.
  func fillPrefixWeights(_ prefixes: SAEPrefixBlocks) {
    let k = latents
    for i in 0..<k {
      for j in 0..<k { omega[i * k + j] = prefixes.tail[max(prefixes.block[i], prefixes.block[j])] }
    }
  }

  /// e_f . e_g for the basis rows (the identity without a basis), n x n.
  func fillFeatureGram(_ basis: [[Double]]?) {
    let n = features
    for f in 0..<n {
      for h in 0..<n {
        featureGram[f * n + h] =
          basis.map { b in b[f].indices.reduce(0.0) { $0 + b[f][$1] * b[h][$1] } }
          ?? (f == h ? 1 : 0)
      }
    }
  }

  /// K, u, P, e_f . b_dec and |b_dec|^2 of this step's `parameters`; the sums zeroed.
  func prepare(_ parameters: SAEParameterVector, basis: UnsafeMutablePointer<Double>?) {
    let k = latents
    let n = features
    let d = parameters.dimensions
    let decoder = parameters.decoder
    let decoderBias = parameters.decoderBias
    for i in 0..<k {
      let row = decoder + i * d
      for j in 0...i {
        let g = Lanes.dot(row, decoder + j * d, d)
        gram[i * k + j] = g
        gram[j * k + i] = g
      }
      decoderTimesBias[i] = Lanes.dot(row, decoderBias, d)
    }
    if let basis {
      for f in 0..<n {
        let ef = basis + f * d
        for i in 0..<k { decoderByFeature[f * k + i] = Lanes.dot(decoder + i * d, ef, d) }
        featureTimesBias[f] = Lanes.dot(ef, decoderBias, d)
      }
    } else {
      for i in 0..<k { for f in 0..<n { decoderByFeature[f * k + i] = decoder[i * d + f] } }
      Lanes.copy(decoderBias, featureTimesBias, n)
    }
    scalars[0] = Lanes.dot(decoderBias, decoderBias, d)
    for c in 0..<(k * k) { weightedGram[c] = gram[c] * omega[c] }
    gammaProducts.update(repeating: 0, count: k * k)
    gamma.update(repeating: 0, count: k * k)
    alpha.update(repeating: 0, count: k)
    phi.update(repeating: 0, count: n * k)
    phiBias.update(repeating: 0, count: n)
    scalars[1] = 0
  }

  /// One pattern's sum_l omega_l |r_l|^2 (plus its L1 term, through `pass.close`), unweighted;
  /// its w-weighted parts of the sums added, dL/dh_i through `pass.close`.
  @inline(__always) func add(
    _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ active: UnsafeMutablePointer<Int>,
    _ on: Int, _ lambda: Double, _ pass: SAEPatternPass
  ) -> Double {
    let k = latents
    let block = pass.prefixes.block
    let tailWeight = pass.prefixes.tail
    let l = tailWeight[0]
    var loss = l * residual(f, m, count)
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
    pass.da.update(repeating: 0, count: k)
    for s in 0..<on {
      let i = active[s]
      let h = hs[s]
      let li = shares[s]
      loss += h * (2 * li * v[i] + qs[s])
      alpha[i] += 2 * w * h * li
      pass.close(i, h: h, w: w, dh: 2 * (li * v[i] + qs[s]), lambda: lambda, loss: &loss)
    }
    // This pattern's part of alpha as a k-vector, for Phi.
    qv.update(repeating: 0, count: k)
    for s in 0..<on { qv[active[s]] = 2 * w * hs[s] * shares[s] }
    addFeatureSums(w * l, f, m, count)
    return loss
  }

  /// The chunk's two matrix products, from `chunkH` and `chunkWeightedH` (before `addRow`):
  ///
  ///     Q = H (K o Omega),   Gamma's products += (diag(2 w) H)^T H
  ///
  /// - Parameter count: the chunk's patterns (rows of H), 1...rows.
  /// - Parameter active: each row's active latents (rows of k, increasing), where H is nonzero;
  ///   `on` their counts.
  func multiplyChunk(_ count: Int, active: UnsafePointer<Int>, on: UnsafePointer<Int>) {
    let k = latents
    MatrixProducts.multiplyListed(
      chunkH, listed: active, counts: on, weightedGram, into: chunkQ, rows: count, inner: k,
      columns: k)
    MatrixProducts.addTransposeProductLower(
      chunkWeightedH, chunkH, into: gammaProducts, rows: count, columns: k)
  }

  /// `add` for one pattern of a chunk after `multiplyChunk`: q read from Q, Gamma left to the
  /// products; the same loss, dL/dh_i and other sums.
  ///
  ///     loss = W_0 |b_dec - x|^2 + sum_i h_i (2 W_b_i v_i + Q_row,i)
  ///
  /// - Parameter row: the pattern's row in the chunk, 0..<rows; the rest as `add`.
  @inline(__always) func addRow(
    _ row: Int, _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ active: UnsafeMutablePointer<Int>,
    _ on: Int, _ lambda: Double, _ pass: SAEPatternPass
  ) -> Double {
    let k = latents
    let block = pass.prefixes.block
    let tailWeight = pass.prefixes.tail
    let l = tailWeight[0]
    var loss = l * residual(f, m, count)
    let q = chunkQ + row * k
    pass.da.update(repeating: 0, count: k)
    qv.update(repeating: 0, count: k)
    for s in 0..<on {
      let i = active[s]
      let h = a[i]
      let li = tailWeight[block[i]]
      loss += h * (2 * li * v[i] + q[i])
      let part = 2 * w * h * li
      alpha[i] += part
      qv[i] = part
      pass.close(i, h: h, w: w, dh: 2 * (li * v[i] + q[i]), lambda: lambda, loss: &loss)
    }
    addFeatureSums(w * l, f, m, count)
    return loss
  }

  /// v = u - sum_f m_f P_f into `v`; the pattern's |b_dec - x|^2.
  ///
  ///     |b_dec - x|^2 = |b_dec|^2 - 2 sum_f m_f (e_f . b_dec) + sum_f,g m_f m_g (e_f . e_g)
  ///
  /// - Parameter count: the pattern's features f (and magnitudes m), >= 0.
  @inline(__always) private func residual(
    _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>, _ count: Int
  ) -> Double {
    let k = latents
    let n = features
    Lanes.copy(decoderTimesBias, v, k)
    var bx = scalars[0]
    for t in 0..<count {
      let ft = Int(f[t])
      Lanes.axpy(-m[t], decoderByFeature + ft * k, v, k)
      bx -= 2 * m[t] * featureTimesBias[ft]
      for t2 in 0..<count { bx += m[t] * m[t2] * featureGram[ft * n + Int(f[t2])] }
    }
    return bx
  }

  /// The pattern's parts of beta, Phi and phi, from its part of alpha in `qv`:
  ///
  ///     beta += 2 w W_0,   Phi_f += m_f qv,   phi_f += 2 w W_0 m_f
  ///
  /// - Parameter wl: w W_0, the pattern's weight times the total prefix weight.
  @inline(__always) private func addFeatureSums(
    _ wl: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int
  ) {
    let k = latents
    let wl2 = 2 * wl
    scalars[1] += wl2
    for t in 0..<count {
      let ft = Int(f[t])
      Lanes.axpy(m[t], qv, phi + ft * k, k)
      phiBias[ft] += wl2 * m[t]
    }
  }

  /// Adds the sums to `gradient`:
  ///
  ///     dL/ddecoder[i] += alpha_i b_dec - sum_f Phi_fi e_f + sum_i' Gamma_ii' decoder[i']
  ///     dL/db_dec += beta b_dec - sum_f phi_f e_f + sum_i alpha_i decoder[i]
  func finish(
    _ parameters: SAEParameterVector, _ gradient: SAEParameterVector,
    basis: UnsafeMutablePointer<Double>?
  ) {
    let k = latents
    let n = features
    let d = parameters.dimensions
    let decoder = parameters.decoder
    let decoderBias = parameters.decoderBias
    let decoderBiasGradient = gradient.decoderBias
    for i in 0..<k {
      for j in 0...i { gamma[i * k + j] += omega[i * k + j] * gammaProducts[i * k + j] }
      for j in 0..<i { gamma[j * k + i] = gamma[i * k + j] }
    }
    for i in 0..<k {
      let g = gradient.decoder + i * d
      Lanes.axpy(alpha[i], decoderBias, g, d)
      for j in 0..<k where gamma[i * k + j] != 0 {
        Lanes.axpy(gamma[i * k + j], decoder + j * d, g, d)
      }
      for f in 0..<n where phi[f * k + i] != 0 {
        if let basis {
          Lanes.axpy(-phi[f * k + i], basis + f * d, g, d)
        } else {
          g[f] -= phi[f * k + i]
        }
      }
      Lanes.axpy(alpha[i], decoder + i * d, decoderBiasGradient, d)
    }
    Lanes.axpy(scalars[1], decoderBias, decoderBiasGradient, d)
    for f in 0..<n where phiBias[f] != 0 {
      if let basis {
        Lanes.axpy(-phiBias[f], basis + f * d, decoderBiasGradient, d)
      } else {
        decoderBiasGradient[f] -= phiBias[f]
      }
    }
  }
}
