import ToyModels

/// What a trained SAE says about hedging: cosines of its rows with the true features.
///
///     cos_ij = row_i . e_j / (|row_i| |e_j|)
///
/// per latent the tracked feature (largest |cos|), that cosine, the largest off-target |cos| and
/// the hedging mass sum_{j != tracked} cos_ij^2, for the decoder and for the encoder (the decoder
/// rows when tied); and the decoder bias in feature coordinates, b . e_j.
public struct SAEReading: Sendable, Hashable {
  /// One latent's reading of one matrix.
  public struct Latent: Sendable, Hashable {
    public var tracked: Int
    public var cosine: Double
    public var offTarget: Double
    public var hedgingMass: Double
  }

  /// Latents x features.
  public var decoderCos: [[Double]]
  public var encoderCos: [[Double]]
  public var decoderLatents: [Latent]
  public var encoderLatents: [Latent]
  public var decoderBias: [Double]

  /// - Parameters:
  ///   - sae: the SAE, d dimensions.
  ///   - basis: the features' directions e_j (n rows of d); nil for feature coordinates (d = n,
  ///     e_j the unit vectors).
  public init(_ sae: SAE, basis: [[Double]]? = nil) {
    let d = sae.dimensions
    let e = basis ?? (0..<d).map { j in (0..<d).map { $0 == j ? 1.0 : 0.0 } }
    func cosines(_ w: [Double]) -> [[Double]] {
      (0..<sae.latents).map { i in
        let row = Array(w[(i * d)..<((i + 1) * d)])
        let norm = dot(row, row).squareRoot()
        return e.map { ej in
          let en = dot(ej, ej).squareRoot()
          return norm > 0 && en > 0 ? dot(row, ej) / (norm * en) : 0
        }
      }
    }
    func read(_ cos: [[Double]]) -> [Latent] {
      cos.map { c in
        let tracked =
          c.indices.max { abs(c[$0]) < abs(c[$1]) || (abs(c[$0]) == abs(c[$1]) && $0 > $1) } ?? 0
        var off = 0.0
        var mass = 0.0
        for j in c.indices where j != tracked {
          off = max(off, abs(c[j]))
          mass += c[j] * c[j]
        }
        return Latent(tracked: tracked, cosine: c[tracked], offTarget: off, hedgingMass: mass)
      }
    }
    decoderCos = cosines(sae.decoder)
    encoderCos = sae.tied ? decoderCos : cosines(sae.encoder)
    decoderLatents = read(decoderCos)
    encoderLatents = read(encoderCos)
    decoderBias = e.map { dot(sae.decoderBias, $0) }
  }
}
