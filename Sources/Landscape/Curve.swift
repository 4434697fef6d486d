/// One row of a loss curve.
public struct CurvePoint: Sendable, Hashable {
  public var t: Double
  public var mse: Double
  public var l2: Double
}

extension LossLandscape {
  /// The losses at `points` evenly spaced t over the range, ends included.
  ///
  /// t_i = (tMin (points - 1 - i) + tMax i) / (points - 1) (see `gridPoint`).
  /// - Parameter points: at least 2.
  public func curve(points: Int) -> [CurvePoint] {
    precondition(points >= 2, "a curve needs at least two points")
    return (0..<points).map { curvePoint($0, of: points) }
  }

  /// Row `i` of `curve(points:)`, computed alone (a curve streamed in constant memory).
  public func curvePoint(_ i: Int, of points: Int) -> CurvePoint {
    let t = gridPoint(i, of: points, from: source.path.tMin, to: source.path.tMax)
    return CurvePoint(t: t, mse: loss(.mse, at: t), l2: loss(.l2, at: t))
  }

  /// The latent's hedging at t: the ratio of its second feature's component to its
  /// first (child / parent), w_1(t) / w_0(t); NaN when the first component is zero or
  /// there is one feature.
  public func hedging(at t: Double) -> Double {
    let u = source.path.from
    let v = source.path.to
    guard u.count >= 2 else { return .nan }
    let parent = u[0] + t * (v[0] - u[0])
    return parent != 0 ? (u[1] + t * (v[1] - u[1])) / parent : .nan
  }
}
