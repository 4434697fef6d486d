/// One flat vector laid out as an SAE's parameters, for the kernel's parameters, gradient and
/// Adam moments:
///
///     encoder (k d, absent when tied) | encoder bias (k) | decoder (k d) | decoder bias (d)
///
/// Tied, `encoder` is `decoder`. Rows are latents, row i of a k d block at i d.
struct SAEParameterVector {
  let latents: Int
  let dimensions: Int
  let tied: Bool
  /// The whole vector, `count` values.
  let values: UnsafeMutablePointer<Double>
  let count: Int
  let encoder: UnsafeMutablePointer<Double>
  let encoderBias: UnsafeMutablePointer<Double>
  let decoder: UnsafeMutablePointer<Double>
  let decoderBias: UnsafeMutablePointer<Double>

  /// The vector for `sae`'s shape, in a region of `carver`, uninitialised.
  init(_ carver: inout Workspace.Carver, shapeOf sae: SAE) {
    let k = sae.latents
    let d = sae.dimensions
    latents = k
    dimensions = d
    tied = sae.tied
    let encoderCount = tied ? 0 : k * d
    count = encoderCount + k + k * d + d
    values = carver.take(count)
    encoderBias = values + encoderCount
    decoder = encoderBias + k
    decoderBias = decoder + k * d
    encoder = tied ? decoder : values
  }

  /// The indices in `values` that Adam moves: all but those of a frozen bias.
  /// A frozen decoder (`decoder: false`) leaves the decoder block out, and the encoder's too
  /// when tied (the rows serve both).
  func trained(
    encoderBias trainsEncoderBias: Bool, decoderBias trainsDecoderBias: Bool, decoder: Bool = true
  ) -> [Range<Int>] {
    let biasStart = encoderBias - values
    let decoderStart = self.decoder - values
    let decoderBiasStart = decoderBias - values
    var ranges =
      decoder ? [0..<biasStart, decoderStart..<decoderBiasStart] : [0..<biasStart, 0..<0]
    if trainsEncoderBias { ranges.append(biasStart..<decoderStart) }
    if trainsDecoderBias { ranges.append(decoderBiasStart..<count) }
    return ranges
  }

  /// Every value 0.
  func zero() { values.update(repeating: 0, count: count) }

  /// The values of `sae` (of this vector's shape).
  func load(_ sae: SAE) {
    let k = latents
    let d = dimensions
    if !tied { encoder.update(from: sae.encoder, count: k * d) }
    encoderBias.update(from: sae.encoderBias, count: k)
    decoder.update(from: sae.decoder, count: k * d)
    decoderBias.update(from: sae.decoderBias, count: d)
  }

  /// `sae`'s parameters set to these values.
  func store(into sae: inout SAE) {
    if !tied { sae.encoder = array(encoder, latents * dimensions) }
    sae.encoderBias = array(encoderBias, latents)
    sae.decoder = array(decoder, latents * dimensions)
    sae.decoderBias = array(decoderBias, dimensions)
  }

  /// The values as a gradient in the SAE's arrays.
  var gradient: SAEGradient {
    SAEGradient(
      encoder: tied ? [] : array(encoder, latents * dimensions),
      encoderBias: array(encoderBias, latents), decoder: array(decoder, latents * dimensions),
      decoderBias: array(decoderBias, dimensions))
  }

  private func array(_ p: UnsafeMutablePointer<Double>, _ count: Int) -> [Double] {
    Array(UnsafeBufferPointer(start: p, count: count))
  }

  /// |decoder[i]| = sqrt(sum_c decoder_ic^2), summed in index order.
  @inline(__always) func decoderNorm(_ i: Int) -> Double {
    let row = decoder + i * dimensions
    var s = 0.0
    for c in 0..<dimensions { s += row[c] * row[c] }
    return s.squareRoot()
  }

  /// Every decoder row divided by its norm (rows of norm 0 are left as they are); whether
  /// every norm was finite (a row that overflowed or holds a NaN is not).
  @discardableResult func normaliseDecoderRows() -> Bool {
    let d = dimensions
    var finite = true
    for i in 0..<latents {
      let row = decoder + i * d
      let norm = decoderNorm(i)
      finite = finite && norm.isFinite
      if norm > 0 { for c in 0..<d { row[c] /= norm } }
    }
    return finite
  }
}
