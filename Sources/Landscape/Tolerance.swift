/// The tolerances of the landscape's floating-point tests, in one place.
///
/// The losses are exact up to rounding, so each tolerance only absorbs rounding (about
/// 1e-16 per operation, grown by cancellation or by a numerical method's own accuracy).
/// Each is a pure number; its comment says what it is relative to. Steps of numerical
/// methods (difference steps, simplex sizes to start from) are not tolerances and stay
/// where they are used. Other modules of the package add theirs in an extension.
package enum Tolerance {
  // MARK: Points on the path

  /// Two t within sameT max(1, |reference|) are one point of the path (`isSameT`):
  /// candidates from different patterns (parallel magnitudes, a cusp at a breakpoint)
  /// differ by rounding. Also the margin by which a breakpoint must lie inside the range.
  package static let sameT = 1e-12

  /// A stationary point found within strictlyInside max(1, |t|) of an end of its
  /// sub-interval is that end (roots carry ~1e-12 relative error; the one-sided slopes at
  /// the end have decided it already).
  package static let strictlyInside = 1e-9

  /// Q_j's floor at most cuspFloor (c0 + c2) is zero: its vertex is an exact cusp, the
  /// latent parallel to the pattern (sameT squared, as Q_j is a square).
  package static let cuspFloor = 1e-24

  // MARK: Slopes and minima

  /// A piece whose N'D - N D' has every coefficient at most flatNumerator max|n_i|
  /// max|d_i| is flat (every pattern clipped): its roots are rounding.
  package static let flatNumerator = 1e-13

  /// A one-sided slope within slopeNoise of the loss's scale may be rounding (~1e-11 seen
  /// on paths passing near the origin; central differences carry ~1e-10): a probe a
  /// short step away decides whether the loss descends there. In the root search, the
  /// derivative of a loss solved latent by latent changes no sign within it.
  package static let slopeNoise = 1e-8

  /// In the root search, an exact (piecewise closed-form) slope within exactSlopeNoise of
  /// the slope scale changes no sign (a stretch where every pattern is clipped is flat).
  package static let exactSlopeNoise = 1e-12

  /// The probe a short step from a candidate descends only when it is lower by more
  /// than probeDescent |f|.
  package static let probeDescent = 1e-14

  /// Minima whose loss is within globalTie |best| (+ smallestScale) of the lowest are
  /// all global (ties).
  package static let globalTie = 1e-12

  /// A loss is lower than another only by more than lowerLoss of it (relative), so that
  /// ties keep the first: the eigenvector over its opposite, the lowest threshold beta.
  package static let lowerLoss = 1e-15

  /// The smallest scale: keeps a scale or a distance positive (a zero loss, coincident
  /// points) without changing any that is not tiny already.
  package static let smallestScale = 1e-300

  // MARK: Latents, biases and their searches

  /// The relu clips a pattern at a latent when l . (x - b) < -clips max(1, |x - b|).
  package static let clips = 1e-12

  /// A unit vector's components at most this are zero when its sign is chosen (the
  /// first component that is not makes it positive).
  package static let negligibleComponent = 1e-15

  /// Brent's method stops when its bracket is within rootBracket absolute plus
  /// rootBracket relative (`gsl_root_test_interval`).
  package static let rootBracket = 1e-15

  /// The simplex over a latent's angles on the sphere stops below this size (radians).
  package static let sphereSimplex = 1e-13

  /// The simplex over the penalised L2 loss's bias stops below biasSimplex times the
  /// events' scale.
  package static let biasSimplex = 1e-11

  /// The one-sided slopes of the threshold loss at the kinks s_j are taken
  /// besideKink max(1, |s_j|) inside the piece.
  package static let besideKink = 1e-12

  /// A cumulative weight within medianHalf of the total from half the total is half:
  /// the weighted median on a line is then the midpoint of its interval.
  package static let medianHalf = 1e-13

  /// Projected events within samePoint of the events' scale are one point (geometric
  /// median).
  package static let samePoint = 1e-14

  /// A data point is the geometric median when the pull of the others is at most
  /// (1 + medianPull) times its own weight.
  package static let medianPull = 1e-12

  /// Weiszfeld's iteration stops at a step of at most weiszfeldStep of the events' scale.
  package static let weiszfeldStep = 1e-15

  /// A coordinate axis whose remainder after Gram-Schmidt has norm at most this lies in
  /// the span already: it is skipped.
  package static let independentAxis = 1e-6

  // MARK: Cases

  /// Probabilities summing to at most 1 + probabilitySum are a distribution (decimal
  /// probabilities do not sum exactly).
  package static let probabilitySum = 1e-12

  // MARK: Comparisons

  /// sameT max(1, |reference|): how far from `reference` a t is still the same point
  /// (absolute near 0, relative for large t).
  @inline(__always) package static func sameTWidth(at reference: Double) -> Double {
    sameT * max(1, abs(reference))
  }

  /// Whether t is the same point of the path as `reference`:
  ///
  ///     |t - reference| <= sameT max(1, |reference|)
  @inline(__always) package static func isSameT(_ t: Double, _ reference: Double) -> Bool {
    abs(t - reference) <= sameTWidth(at: reference)
  }

  /// Whether t is an interior point of [lo, hi]: above lo and below hi by more than the
  /// same-t width of each end.
  @inline(__always) package static func isInterior(_ t: Double, _ lo: Double, _ hi: Double)
    -> Bool
  {
    t - lo > sameTWidth(at: lo) && hi - t > sameTWidth(at: hi)
  }
}
