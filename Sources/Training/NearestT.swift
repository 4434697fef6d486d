import Landscape
import ToyModels

extension LatentPath {
  /// The t in [tMin, tMax] whose latent l(t) is closest in angle to `latent`, and the
  /// cosine l(t) . latent.
  ///
  /// The path is an arc of the great circle through u and v. With p the projection of
  /// `latent` onto that plane, the closest point of the whole circle is p / |p|, reached
  /// where w(t) = u + t (v - u) is parallel to p: in plane coordinates,
  ///
  ///     t = (u_2 p_1 - u_1 p_2) / ((v - u)_1 p_2 - (v - u)_2 p_1).
  ///
  /// The angle of w(t) is monotone in t, so the cosine is unimodal on the range: the
  /// answer is that t when it lies in the range and faces p, else the better end.
  /// - Parameter latent: feature coordinates, one per feature (any norm; a unit vector
  ///   makes the cosine a true cosine).
  public func nearestT(to latent: [Double]) -> (t: Double, cosine: Double) {
    func cosine(_ t: Double) -> Double { dot(self.latent(at: t), latent) }
    let du = dot(from, from).squareRoot()
    let e1 = from.map { $0 / du }
    var e2 = to
    let c = dot(to, e1)
    for i in e2.indices { e2[i] -= c * e1[i] }
    let n2 = dot(e2, e2).squareRoot()
    e2 = e2.map { $0 / n2 }
    let direction = zip(from, to).map { $1 - $0 }
    let (a1, a2) = (dot(from, e1), dot(from, e2))
    let (b1, b2) = (dot(direction, e1), dot(direction, e2))
    let (p1, p2) = (dot(latent, e1), dot(latent, e2))
    var best = (t: tMin, cosine: cosine(tMin))
    let hi = cosine(tMax)
    if hi > best.cosine { best = (tMax, hi) }
    let denominator = b1 * p2 - b2 * p1
    if denominator != 0 {
      let t = (a2 * p1 - a1 * p2) / denominator
      if t.isFinite, t > tMin, t < tMax {
        let c = cosine(t)
        if c > best.cosine { best = (t, c) }
      }
    }
    return best
  }
}
