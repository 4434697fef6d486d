import ToyModels

/// The l2 reconstruction term of `SAEPatternPass`, in d dimensions: xhat_l built prefix by
/// prefix, r_l = xhat_l - x,
///
///     loss = sum_l omega_l |r_l|
///     g_l = omega_l r_l / |r_l|  (0 where r_l = 0),   G_l = sum_{l' >= l} g_l'
///     dL/dh_i = decoder[i] . G_b_i,   dL/ddecoder[i] = h_i G_b_i,   dL/db_dec = G_0
///
/// with b_i the block of latent i (`SAEPrefixBlocks`); a pattern costs O(k |F| + |active| d
/// + L d). Buffers are regions of the kernel's workspace.
struct SAEL2ErrorSums {
  /// Per pattern: x (d, with a basis), and r_l then G_l for each prefix (L d).
  private let x: UnsafeMutablePointer<Double>
  private let residual: UnsafeMutablePointer<Double>

  /// The buffers for d dimensions and L prefixes, in regions of `carver`.
  init(_ carver: inout Workspace.Carver, dimensions d: Int, levels: Int) {
    x = carver.take(d)
    residual = carver.take(levels * d)
  }

  /// One pattern's sum_l omega_l |r_l| (plus its L1 term, through `pass.close`), unweighted;
  /// w G_0 added to dL/db_dec, w h_i G_b_i to dL/ddecoder[i], dL/dh_i through `pass.close`.
  @inline(__always) func add(
    _ w: Double, _ f: UnsafeMutablePointer<Int32>, _ m: UnsafeMutablePointer<Double>,
    _ count: Int, _ a: UnsafeMutablePointer<Double>, _ active: UnsafeMutablePointer<Int>,
    _ on: Int, _ lambda: Double, _ pass: SAEPatternPass
  ) -> Double {
    let d = pass.dimensions
    let prefixes = pass.prefixes
    let levels = prefixes.levels
    let decoder = pass.parameters.decoder
    let basis = pass.basis
    if let basis {
      x.update(repeating: 0, count: d)
      for t in 0..<count { Lanes.axpy(m[t], basis + Int(f[t]) * d, x, d) }
    }
    var loss = 0.0
    let last = residual + (levels - 1) * d
    Lanes.copy(pass.parameters.decoderBias, last, d)
    var next = 0
    for l in 0..<levels {
      while next < on && active[next] < prefixes.ends[l] {
        let i = active[next]
        Lanes.axpy(a[i], decoder + i * d, last, d)
        next += 1
      }
      let r = residual + l * d
      let r2: Double
      if basis != nil {
        r2 = Lanes.difference(last, x, r, d)
      } else {
        if l < levels - 1 { Lanes.copy(last, r, d) }
        for t in 0..<count { r[Int(f[t])] -= m[t] }
        r2 = Lanes.dot(r, r, d)
      }
      let norm = r2.squareRoot()
      let weight = prefixes.weight[l]
      loss += weight * norm
      Lanes.scale(norm > 0 ? weight / norm : 0, r, d)
    }
    if levels > 1 {
      for l in stride(from: levels - 2, through: 0, by: -1) {
        let r = residual + l * d
        Lanes.axpy(1, r + d, r, d)
      }
    }
    Lanes.axpy(w, residual, pass.gradient.decoderBias, d)
    pass.da.update(repeating: 0, count: pass.latents)
    for t in 0..<on {
      let i = active[t]
      let h = a[i]
      let g = residual + prefixes.block[i] * d
      let dh = Lanes.dotAndAxpy(decoder + i * d, g, w * h, pass.gradient.decoder + i * d, d)
      pass.close(i, h: h, w: w, dh: dh, lambda: lambda, loss: &loss)
    }
    return loss
  }
}
