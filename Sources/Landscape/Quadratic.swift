/// A polynomial of degree at most two, c0 + c1 t + c2 t^2.
public struct Quadratic: Sendable, Hashable {
  public var c0: Double
  public var c1: Double
  public var c2: Double

  public init(_ c0: Double, _ c1: Double, _ c2: Double) {
    self.c0 = c0
    self.c1 = c1
    self.c2 = c2
  }

  public static let zero = Quadratic(0, 0, 0)

  /// The value at t, by Horner's rule.
  @inlinable public func callAsFunction(_ t: Double) -> Double { c0 + t * (c1 + t * c2) }

  /// The derivative c1 + 2 c2 t at t.
  @inlinable public func slope(_ t: Double) -> Double { c1 + 2 * c2 * t }

  @inlinable public static func + (a: Quadratic, b: Quadratic) -> Quadratic {
    Quadratic(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2)
  }

  @inlinable public static func - (a: Quadratic, b: Quadratic) -> Quadratic {
    Quadratic(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2)
  }

  @inlinable public static func * (k: Double, a: Quadratic) -> Quadratic {
    Quadratic(k * a.c0, k * a.c1, k * a.c2)
  }

  /// The product of two linear forms (a0 + a1 t)(b0 + b1 t).
  @inlinable public static func product(_ a0: Double, _ a1: Double, _ b0: Double, _ b1: Double)
    -> Quadratic
  {
    Quadratic(a0 * b0, a0 * b1 + a1 * b0, a1 * b1)
  }

  /// The numerator of (N/D)': N'D - N D', whose cubic terms cancel.
  ///
  /// P0 = n1 d0 - n0 d1, P1 = 2 (n2 d0 - n0 d2), P2 = n2 d1 - n1 d2.
  @inlinable public static func quotientSlopeNumerator(_ n: Quadratic, _ d: Quadratic) -> Quadratic
  {
    Quadratic(n.c1 * d.c0 - n.c0 * d.c1, 2 * (n.c2 * d.c0 - n.c0 * d.c2), n.c2 * d.c1 - n.c1 * d.c2)
  }
}
