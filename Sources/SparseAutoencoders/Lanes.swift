/// Loops over n contiguous values, four lanes at a time (SIMD4), for the SAE kernel's flat
/// buffers.
///
/// A sum is kept per lane, the lanes added as (s_0 + s_1) + (s_2 + s_3), then the last n mod 4
/// values in index order: a fixed order, so the bits are the same on every run (but not those of
/// ToyModels' `dot(_:_:)`, which sums in index order). Internal to this module, where whole-module
/// optimisation inlines them (from ToyModels, as `@inlinable`, the calls stayed calls: 14% of
/// a Matryoshka training run).
///
/// Every loop reads and writes n values from each pointer, n >= 0; the pointers need no
/// alignment.
enum Lanes {
  /// y += alpha x.
  @inline(__always) static func axpy(
    _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int
  ) {
    let a = SIMD4<Double>(repeating: alpha)
    var c = 0
    while c + 4 <= n {
      store(load(y + c) + a * load(x + c), y + c)
      c += 4
    }
    while c < n {
      y[c] += alpha * x[c]
      c += 1
    }
  }

  /// x . y.
  @inline(__always) static func dot(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int
  ) -> Double {
    var s = SIMD4<Double>()
    var c = 0
    while c + 4 <= n {
      s += load(x + c) * load(y + c)
      c += 4
    }
    var t = total(s)
    while c < n {
      t += x[c] * y[c]
      c += 1
    }
    return t
  }

  /// x . g, and y += alpha g, in one pass over g.
  @inline(__always) static func dotAndAxpy(
    _ x: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ alpha: Double,
    _ y: UnsafeMutablePointer<Double>, _ n: Int
  ) -> Double {
    let a = SIMD4<Double>(repeating: alpha)
    var s = SIMD4<Double>()
    var c = 0
    while c + 4 <= n {
      let gc = load(g + c)
      s += load(x + c) * gc
      store(load(y + c) + a * gc, y + c)
      c += 4
    }
    var t = total(s)
    while c < n {
      t += x[c] * g[c]
      y[c] += alpha * g[c]
      c += 1
    }
    return t
  }

  /// r = u - v, returning r . r.
  @inline(__always) static func difference(
    _ u: UnsafePointer<Double>, _ v: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>,
    _ n: Int
  ) -> Double {
    var s = SIMD4<Double>()
    var c = 0
    while c + 4 <= n {
      let rc = load(u + c) - load(v + c)
      store(rc, r + c)
      s += rc * rc
      c += 4
    }
    var t = total(s)
    while c < n {
      let rc = u[c] - v[c]
      r[c] = rc
      t += rc * rc
      c += 1
    }
    return t
  }

  /// y = x.
  @inline(__always) static func copy(
    _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int
  ) {
    var c = 0
    while c + 4 <= n {
      store(load(x + c), y + c)
      c += 4
    }
    while c < n {
      y[c] = x[c]
      c += 1
    }
  }

  /// y *= alpha.
  @inline(__always) static func scale(
    _ alpha: Double, _ y: UnsafeMutablePointer<Double>, _ n: Int
  ) {
    let a = SIMD4<Double>(repeating: alpha)
    var c = 0
    while c + 4 <= n {
      store(a * load(y + c), y + c)
      c += 4
    }
    while c < n {
      y[c] *= alpha
      c += 1
    }
  }

  @inline(__always) private static func load(_ p: UnsafePointer<Double>)
    -> SIMD4<Double>
  {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
  }

  @inline(__always) private static func store(
    _ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>
  ) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
  }

  @inline(__always) private static func total(_ s: SIMD4<Double>) -> Double {
    (s[0] + s[1]) + (s[2] + s[3])
  }
}
