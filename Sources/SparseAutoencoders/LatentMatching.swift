import ToyModels

/// The assignment of rows to columns of a square cost matrix with the least total cost
/// (the Hungarian method, shortest augmenting paths with potentials, O(k^3)):
///
///     minimise sum_i cost[i][p(i)] over permutations p of 0..<k
///
/// - Parameters: cost: k x k finite values, k >= 0.
/// - Returns: p, with p[i] the column of row i. Ties go to the first optimum the search meets
///   (deterministic, not necessarily the lexicographically first).
public func minimumCostAssignment(_ cost: [[Double]]) -> [Int] {
  let k = cost.count
  guard k > 0 else { return [] }
  precondition(cost.allSatisfy { $0.count == k }, "the cost matrix is not square")
  // 1-based arrays; column 0 is the virtual start of every augmenting path.
  var u = [Double](repeating: 0, count: k + 1)
  var v = [Double](repeating: 0, count: k + 1)
  var rowOf = [Int](repeating: 0, count: k + 1)
  var way = [Int](repeating: 0, count: k + 1)
  for i in 1...k {
    rowOf[0] = i
    var j0 = 0
    var minimum = [Double](repeating: .infinity, count: k + 1)
    var used = [Bool](repeating: false, count: k + 1)
    repeat {
      used[j0] = true
      let i0 = rowOf[j0]
      var delta = Double.infinity
      var j1 = 0
      for j in 1...k where !used[j] {
        let reduced = cost[i0 - 1][j - 1] - u[i0] - v[j]
        if reduced < minimum[j] {
          minimum[j] = reduced
          way[j] = j0
        }
        if minimum[j] < delta {
          delta = minimum[j]
          j1 = j
        }
      }
      for j in 0...k {
        if used[j] {
          u[rowOf[j]] += delta
          v[j] -= delta
        } else {
          minimum[j] -= delta
        }
      }
      j0 = j1
    } while rowOf[j0] != 0
    repeat {
      let j1 = way[j0]
      rowOf[j0] = rowOf[j1]
      j0 = j1
    } while j0 != 0
  }
  var p = [Int](repeating: 0, count: k)
  for j in 1...k { p[rowOf[j] - 1] = j - 1 }
  return p
}

extension SAE {
  /// Which of `other`'s latents matches each of this SAE's: the permutation p maximising
  ///
  ///     sum_i |cos(decoder_i, other.decoder_p(i))|
  ///
  /// (`minimumCostAssignment` on -|cos|), within each Matryoshka prefix block (latents
  /// m_{l-1}..<m_l match only each other: moving a latent to another block changes the
  /// SAE's loss). Signs are not flipped: with a relu, a latent and its negation are
  /// different functions, so -|cos| only lets an anti-aligned latent pair when nothing
  /// better is left. A zero row has cosine 0 with everything.
  ///
  /// - Parameters: other: the same latents, dimensions and prefixes.
  /// - Returns: p with p[i] the latent of `other` matched to latent i.
  public func matchingLatents(of other: SAE) -> [Int] {
    precondition(latents == other.latents && dimensions == other.dimensions)
    precondition(prefixes == other.prefixes)
    func unit(_ s: SAE, _ i: Int) -> [Double] {
      let r = s.decoderRow(i)
      let n = dot(r, r).squareRoot()
      return n > 0 ? r.map { $0 / n } : r
    }
    var p = [Int](repeating: 0, count: latents)
    var start = 0
    for end in prefixes {
      let mine = (start..<end).map { unit(self, $0) }
      let theirs = (start..<end).map { unit(other, $0) }
      let cost = mine.map { a in theirs.map { b in -abs(dot(a, b)) } }
      for (i, j) in minimumCostAssignment(cost).enumerated() { p[start + i] = start + j }
      start = end
    }
    return p
  }

  /// This SAE with its latents reordered: latent i of the result is latent p[i] of this one
  /// (encoder row, encoder bias, decoder row); the decoder bias, activation and prefixes kept.
  ///
  /// - Parameters: p: a permutation of 0..<latents.
  public func permutingLatents(_ p: [Int]) -> SAE {
    precondition(p.count == latents && Set(p) == Set(0..<latents))
    let d = dimensions
    var s = self
    for (i, j) in p.enumerated() {
      s.encoderBias[i] = encoderBias[j]
      for c in 0..<d {
        s.decoder[i * d + c] = decoder[j * d + c]
        if !tied { s.encoder[i * d + c] = encoder[j * d + c] }
      }
    }
    return s
  }

  /// The affine combination sum_m w_m SAE_m of SAEs of one shape, decoder rows renormalised:
  ///
  ///     encoder, encoder bias, decoder bias (and batchtopk's threshold) = sum_m w_m (that of SAE_m)
  ///     decoder row i = r_i / |r_i|,  r_i = sum_m w_m decoder_m,i   (r_i kept when |r_i| = 0)
  ///
  /// Activation kind, k and prefixes are the first SAE's. A path point t between A and B is
  /// the combination with weights (1 - t, t); a point of the slice A + s(B - A) + u(C - A)
  /// has weights (1 - s - u, s, u).
  ///
  /// - Parameters: saes: at least one, the same latents, dimensions, tying, activation and
  ///   prefixes; weights: as many finite numbers (any sign: an affine combination).
  public static func combination(_ saes: [SAE], weights: [Double]) -> SAE {
    precondition(!saes.isEmpty && saes.count == weights.count)
    var s = saes[0]
    func mix(_ part: (SAE) -> [Double]) -> [Double] {
      var out = [Double](repeating: 0, count: part(saes[0]).count)
      for (sae, w) in zip(saes, weights) {
        let values = part(sae)
        for j in out.indices { out[j] += w * values[j] }
      }
      return out
    }
    s.encoder = mix(\.encoder)
    s.encoderBias = mix(\.encoderBias)
    s.decoderBias = mix(\.decoderBias)
    var decoder = mix(\.decoder)
    let d = s.dimensions
    for i in 0..<s.latents {
      var n = 0.0
      for c in 0..<d { n += decoder[i * d + c] * decoder[i * d + c] }
      n = n.squareRoot()
      if n > 0 { for c in 0..<d { decoder[i * d + c] /= n } }
    }
    s.decoder = decoder
    if case .batchTopK(let k, _) = s.activation {
      var threshold = 0.0
      for (sae, w) in zip(saes, weights) {
        if case .batchTopK(_, let t) = sae.activation { threshold += w * t }
      }
      s.activation = .batchTopK(k: k, threshold: threshold)
    }
    return s
  }
}
