import ToyModels

/// The forward and backward pass over a batch's weighted patterns: the loss
/// sum_j w_j loss(x_j) and its gradient, for the parameters of one step.
///
/// A pattern fires a few features f with magnitudes m_f; its input is x = sum_f m_f e_f, with
/// e_f the rows of `basis` (n x d) or, without a basis, the unit vectors (d = n). With the
/// encoder seen from the features, E_fi = encoder[i] . e_f, and c_i = b_enc_i - encoder[i] . b_dec
/// (both once per step, `prepare`),
///
///     a_i = c_i + sum_f m_f E_fi
///     loss = sum_l omega_l rec(xhat_l - x) + lambda sum_{i active} w_i h_i |decoder[i]|
///
/// with omega_l the prefix weights and w_i the L1 weights (`SAEPrefixBlocks`: 1, or the
/// weight of the prefixes containing latent i when the SAE counts L1 per prefix). The reconstruction terms are `SAESquaredErrorSums` (MSE, in latent
/// coordinates) and `SAEL2ErrorSums` (l2, in d dimensions). Parts of the gradient that do not
/// depend on the pattern are gathered per latent and applied once per step (`finish`):
/// dL/dencoder[i] = sum_j w_j da_ji (x_j - b_dec) = sum_f Q_fi e_f - S_i b_dec, with
/// Q_fi = sum_j w_j da_ji m_jf and S_i = sum_j w_j da_ji (= dL/db_enc_i).
///
/// Pattern by pattern, in a fixed order (the same bits on every run), except the MSE term's
/// latent-by-latent products, which are matrix products over each chunk of patterns
/// (`SAESquaredErrorSums.multiplyChunk`: `MatrixProducts`, in one fixed order, so the same bits
/// too). Its buffers are regions of the kernel's workspace.
struct SAEPatternPass {
  let latents: Int
  let dimensions: Int
  let features: Int
  let parameters: SAEParameterVector
  /// dL/dparameters, left by `finish`.
  let gradient: SAEParameterVector
  let prefixes: SAEPrefixBlocks
  /// The features' directions e_f, n rows of d; nil for the unit vectors (d = n).
  let basis: UnsafeMutablePointer<Double>?
  let squared: SAESquaredErrorSums
  let l2: SAEL2ErrorSums
  /// Per step: E (n k), c (k), |decoder[i]| (k); Q (n k), sum_j w_j h_ji (k).
  let encoderByFeature: UnsafeMutablePointer<Double>
  let offset: UnsafeMutablePointer<Double>
  let decoderNorm: UnsafeMutablePointer<Double>
  let q: UnsafeMutablePointer<Double>
  let activationSum: UnsafeMutablePointer<Double>
  /// Per pattern: w da (k, 0 where inactive), the active latents in increasing order (k).
  let da: UnsafeMutablePointer<Double>
  let active: UnsafeMutablePointer<Int>
  /// Per chunk of `chunk` patterns (the forward pass's output, read by the backward pass):
  /// each pattern's a (k), active latents (k) and their number.
  let chunkA: UnsafeMutablePointer<Double>
  let chunkActive: UnsafeMutablePointer<Int>
  let chunkOn: UnsafeMutablePointer<Int>
  /// Nanoseconds of the forward and backward passes, summed while `loss` is timed.
  let phaseNanos: UnsafeMutablePointer<UInt64>

  /// Patterns per chunk: the forward pass runs over a chunk, then the backward pass (a chunk's
  /// a and active sets stay in the first-level cache; the two are timed apart).
  static let chunk = 64

  /// The pass for `sae`'s shape over n = basis.count features (d without a basis), in regions
  /// of `carver` (written by `load(_:basis:)`).
  init(_ carver: inout Workspace.Carver, shapeOf sae: SAE, features n: Int, embedded: Bool) {
    let k = sae.latents
    let d = sae.dimensions
    latents = k
    dimensions = d
    features = n
    parameters = SAEParameterVector(&carver, shapeOf: sae)
    gradient = SAEParameterVector(&carver, shapeOf: sae)
    prefixes = SAEPrefixBlocks(&carver, shapeOf: sae)
    basis = embedded ? carver.take(n * d) : nil
    squared = SAESquaredErrorSums(&carver, latents: k, features: n, rows: Self.chunk)
    l2 = SAEL2ErrorSums(&carver, dimensions: d, levels: prefixes.levels)
    encoderByFeature = carver.take(n * k)
    offset = carver.take(k)
    decoderNorm = carver.take(k)
    q = carver.take(n * k)
    activationSum = carver.take(k)
    da = carver.take(k)
    active = carver.take(k)
    chunkA = carver.take(Self.chunk * k)
    chunkActive = carver.take(Self.chunk * k)
    chunkOn = carver.take(Self.chunk)
    phaseNanos = carver.take(2)
  }

  /// Writes `sae`'s parameters, its prefixes, the basis rows and e_f . e_g; the gradient 0.
  func load(_ sae: SAE, basis rows: [[Double]]?) {
    parameters.load(sae)
    gradient.zero()
    phaseNanos.update(repeating: 0, count: 2)
    prefixes.fill(sae)
    squared.fillPrefixWeights(prefixes)
    let d = dimensions
    if let basis, let rows {
      for (f, row) in rows.enumerated() { for c in 0..<d { basis[f * d + c] = row[c] } }
    }
    squared.fillFeatureGram(rows)
  }

  // MARK: - One batch

  /// The batch's loss sum_j w_j loss(x_j), the gradient left in `gradient`; each pattern's
  /// active latents by `activation`'s threshold or top k.
  ///
  /// Chunk by chunk (`chunk` patterns): the forward pass (a and the active set of each), then
  /// the backward pass (`add`); the same arithmetic in the same order as pattern by pattern.
  /// - Parameter lambda: the L1 coefficient (relu; 0 otherwise).
  /// - Parameter timed: whether the passes' nanoseconds are added to `phaseNanos`.
  func loss(
    _ batch: PatternBatch, _ activation: SAE.Activation, _ reconstruction: ReconstructionLoss,
    lambda: Double, timed: Bool = false
  ) -> Double {
    let t0 = timed ? SAEClock.now() : 0
    prepare(reconstruction)
    let mse = reconstruction == .mse
    let k = latents
    var total = 0.0
    var forward: UInt64 = 0
    var start = 0
    while start < batch.count {
      let end = min(start + Self.chunk, batch.count)
      let t1 = timed ? SAEClock.now() : 0
      for p in start..<end {
        let row = (p - start) * k
        preactivate(
          batch.features + batch.offsets[p], batch.magnitudes + batch.offsets[p],
          batch.offsets[p + 1] - batch.offsets[p], into: chunkA + row)
        let on = mask(chunkA + row, activation, into: chunkActive + row)
        chunkOn[p - start] = on
        if mse {
          // H's row and diag(2 w) H's for the chunk's products.
          let h = squared.chunkH + row
          let hw = squared.chunkWeightedH + row
          h.update(repeating: 0, count: k)
          hw.update(repeating: 0, count: k)
          let w2 = 2 * batch.weights[p]
          for s in 0..<on {
            let i = chunkActive[row + s]
            h[i] = chunkA[row + i]
            hw[i] = w2 * chunkA[row + i]
          }
        }
      }
      if timed { forward += SAEClock.now() - t1 }
      if mse { squared.multiplyChunk(end - start, active: chunkActive, on: chunkOn) }
      for p in start..<end {
        let row = (p - start) * k
        let f = batch.features + batch.offsets[p]
        let m = batch.magnitudes + batch.offsets[p]
        let count = batch.offsets[p + 1] - batch.offsets[p]
        let w = batch.weights[p]
        if mse {
          let loss = squared.addRow(
            p - start, w, f, m, count, chunkA + row, chunkActive + row, chunkOn[p - start],
            lambda, self)
          for t in 0..<count { Lanes.axpy(m[t], da, q + Int(f[t]) * k, k) }
          total += w * loss
        } else {
          total += add(
            w, f, m, count, chunkA + row, chunkActive + row, chunkOn[p - start], mse, lambda)
        }
      }
      start = end
    }
    finish(reconstruction, lambda: lambda)
    if timed {
      phaseNanos[0] += forward
      phaseNanos[1] += SAEClock.now() - t0 - forward
    }
    return total
  }

  /// BatchTopK's loss: the activations kept are the batch's `top` B largest positive a_ji
  /// (`SAEBatchTopKSelection`); a pattern whose last kept latent is kept for only part of its
  /// weight enters twice, with the latent on for the part kept and off for the rest.
  func selectedLoss(
    _ batch: PatternBatch, top: Int, _ selection: SAEBatchTopKSelection,
    _ reconstruction: ReconstructionLoss
  ) -> Double {
    prepare(reconstruction)
    let k = latents
    let patterns = batch.count
    let mse = reconstruction == .mse
    selection.reserve(patterns: patterns, latents: k)
    let preactivations = selection.preactivations
    for p in 0..<patterns {
      let f = batch.features + batch.offsets[p]
      let m = batch.magnitudes + batch.offsets[p]
      preactivate(f, m, batch.offsets[p + 1] - batch.offsets[p], into: preactivations + p * k)
    }
    let split = selection.select(patterns: patterns, latents: k, top: top, weights: batch.weights)
    let kept = selection.kept
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
        loss += add(s.weight, f, m, count, ap, active, keptLatents(flags), mse, 0)
        flags[s.key % k] = false
        w -= s.weight
      }
      loss += add(w, f, m, count, ap, active, keptLatents(flags), mse, 0)
    }
    finish(reconstruction, lambda: 0)
    return loss
  }

  /// E, c and the decoder norms for this step's parameters; the gradient and the sums zeroed.
  private func prepare(_ reconstruction: ReconstructionLoss) {
    let k = latents
    let d = dimensions
    let n = features
    let encoder = parameters.encoder
    let decoderBias = parameters.decoderBias
    for i in 0..<k {
      let e = encoder + i * d
      var s = parameters.encoderBias[i]
      for c in 0..<d { s -= e[c] * decoderBias[c] }
      offset[i] = s
      decoderNorm[i] = parameters.decoderNorm(i)
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
    gradient.zero()
    q.update(repeating: 0, count: n * k)
    activationSum.update(repeating: 0, count: k)
    if reconstruction == .mse { squared.prepare(parameters, basis: basis) }
  }

  /// a = c + sum_f m_f E_f for one pattern's `count` features f and magnitudes m.
  @inline(__always) private func preactivate(
    _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>, _ count: Int,
    into a: UnsafeMutablePointer<Double>
  ) {
    let k = latents
    Lanes.copy(offset, a, k)
    for t in 0..<count { Lanes.axpy(m[t], encoderByFeature + Int(f[t]) * k, a, k) }
  }

  /// The active latents of pre-activations `a` into `active` (increasing); their number.
  @inline(__always) private func mask(
    _ a: UnsafeMutablePointer<Double>, _ activation: SAE.Activation,
    into active: UnsafeMutablePointer<Int>
  ) -> Int {
    let k = latents
    var on = 0
    switch activation {
    case .relu:
      for i in 0..<k {
        active[on] = i
        on &+= Self.bit(a[i] > 0)
      }
    case .batchTopK(_, let threshold):
      for i in 0..<k {
        active[on] = i
        on &+= Self.bit(a[i] > threshold)
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

  /// 1 for true, 0 for false, without a branch (a[i] > 0 holds for about half the latents: a
  /// branch on it mispredicts).
  ///
  ///     bit(b) = b ? 1 : 0
  @inline(__always) private static func bit(_ b: Bool) -> Int {
    Int(unsafeBitCast(b, to: UInt8.self))
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

  /// One pattern's weighted loss w loss(x) and its part of the gradient, with h_i = a_i on the
  /// `on` latents of `active`: the reconstruction term's, then Q_f += m_f w da.
  @inline(__always) private func add(
    _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ active: UnsafeMutablePointer<Int>,
    _ on: Int, _ mse: Bool, _ lambda: Double
  ) -> Double {
    let loss =
      mse
      ? squared.add(w, f, m, count, a, active, on, lambda, self)
      : l2.add(w, f, m, count, a, active, on, lambda, self)
    let k = latents
    for t in 0..<count { Lanes.axpy(m[t], da, q + Int(f[t]) * k, k) }
    return w * loss
  }

  /// Latent i's part of a pattern's gradient once the reconstruction term's dL/dh_i = dh is
  /// known: the L1 term (lambda > 0) lambda w_i h_i |decoder[i]| added to `loss` and dh, then
  /// w dh into da_i and S_i.
  @inline(__always) func close(
    _ i: Int, h: Double, w: Double, dh: Double, lambda: Double, loss: inout Double
  ) {
    var dh = dh
    if lambda > 0 {
      let weighted = lambda * prefixes.l1Weight[i]
      loss += weighted * h * decoderNorm[i]
      dh += weighted * decoderNorm[i]
      activationSum[i] += w * h
    }
    da[i] = w * dh
    gradient.encoderBias[i] += da[i]
  }

  /// Applies the per-latent sums: the reconstruction term's (MSE), the encoder's gradient
  /// sum_f Q_fi e_f - S_i b_dec, the decoder bias's - sum_i S_i encoder[i], and the L1 term's
  /// lambda w_i (sum_j w_j h_ji) decoder[i] / |decoder[i]|.
  private func finish(_ reconstruction: ReconstructionLoss, lambda: Double) {
    if reconstruction == .mse { squared.finish(parameters, gradient, basis: basis) }
    let k = latents
    let d = dimensions
    let n = features
    let decoderBias = parameters.decoderBias
    let decoderBiasGradient = gradient.decoderBias
    for i in 0..<k {
      let s = gradient.encoderBias[i]
      let e = parameters.encoder + i * d
      let ge = gradient.encoder + i * d
      for c in 0..<d {
        ge[c] -= s * decoderBias[c]
        decoderBiasGradient[c] -= s * e[c]
      }
      if let basis {
        for f in 0..<n where q[f * k + i] != 0 { Lanes.axpy(q[f * k + i], basis + f * d, ge, d) }
      } else {
        for f in 0..<n { ge[f] += q[f * k + i] }
      }
      if activationSum[i] != 0 && decoderNorm[i] > 0 {
        let scale = lambda * prefixes.l1Weight[i] * activationSum[i] / decoderNorm[i]
        let row = parameters.decoder + i * d
        let g = gradient.decoder + i * d
        for c in 0..<d { g[c] += scale * row[c] }
      }
    }
  }
}
