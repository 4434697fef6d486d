/// The single latent's activation, h = relu(s) of its pre-activation s (the many-latent
/// half's is `SAE.Activation`): where the package
/// asks whether an input fires the latent, what it encodes to, and where that changes.
///
/// The exact landscape assumes the relu's two sides (an input passes through or is
/// clipped to zero, so each loss is piecewise a ratio of quadratics: see
/// `LossLandscape.error(_:active:)`); another activation plugs in here and there.
package enum LatentActivation {
  /// h = relu(s) = max(s, 0).
  @inlinable @inline(__always) package static func encode(_ s: Double) -> Double { max(s, 0) }

  /// Whether s passes the relu (s > 0); otherwise it is clipped to zero. Also where the
  /// relu's derivative is 1 rather than 0 (at s = 0, the clipped side's).
  @inlinable @inline(__always) package static func fires(_ s: Double) -> Bool { s > 0 }

  /// Where s(t) = a + b t crosses the relu's threshold: t = -a / b; nil when b = 0 (s is
  /// constant and never crosses).
  @inlinable @inline(__always) package static func threshold(a: Double, b: Double) -> Double? {
    b != 0 ? -a / b : nil
  }
}
