/// The prefixes of a Matryoshka SAE (one prefix, all k latents, otherwise) as the kernel reads
/// them, in memory of its workspace.
///
/// Prefix l (0-based, L of them) is the first `ends[l]` latents, of loss weight omega_l
/// (`SAE.prefixWeights`); block l is the latents of prefix l not in prefix l - 1. A latent of
/// block b takes part in the losses of the prefixes from b on, of weight
/// W_b = sum_{l >= b} omega_l (W_0 the total; L - b when every prefix weighs 1); its L1 term
/// weighs `SAE.l1Weights` (W_b with L1 per prefix, 1 otherwise).
struct SAEPrefixBlocks {
  /// L >= 1.
  let levels: Int
  /// ends[l]: the latents of prefix l, increasing, the last k.
  let ends: UnsafeMutablePointer<Int>
  /// block[i]: the first prefix l with i < ends[l], for each latent i.
  let block: UnsafeMutablePointer<Int>
  /// omega_l.
  let weight: UnsafeMutablePointer<Double>
  /// W_l.
  let tail: UnsafeMutablePointer<Double>
  /// The L1 weight w_i of each latent (`SAE.l1Weights`).
  let l1Weight: UnsafeMutablePointer<Double>

  /// The prefixes of `sae`, in regions of `carver` (written by `fill(_:)`).
  init(_ carver: inout Workspace.Carver, shapeOf sae: SAE) {
    levels = sae.prefixes.count
    ends = carver.take(levels)
    block = carver.take(sae.latents)
    weight = carver.take(levels)
    tail = carver.take(levels)
    l1Weight = carver.take(sae.latents)
  }

  /// Writes the prefixes, blocks and weights of `sae` (of this shape).
  func fill(_ sae: SAE) {
    let prefixes = sae.prefixes
    var l = 0
    for i in 0..<sae.latents {
      while i >= prefixes[l] { l += 1 }
      block[i] = l
    }
    for (i, w) in sae.l1Weights.enumerated() { l1Weight[i] = w }
    let w = sae.prefixWeights
    var sum = 0.0
    for l in stride(from: levels - 1, through: 0, by: -1) {
      ends[l] = prefixes[l]
      weight[l] = w[l]
      sum += w[l]
      tail[l] = sum
    }
  }
}
