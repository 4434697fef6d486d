/// The SAE kernel's two matrix products over a chunk of patterns, in Swift with one fixed order.
///
/// Every entry is a sum over the inner index in increasing order, one term at a time
/// (c = c + a b: a multiply, then an add, never fused), from 0 or from the entry's old value.
/// Tiles of entries stay in registers (SIMD4 lanes) while the inner index runs, and the edges
/// take the same order one entry at a time, so the bits depend on neither the tiling nor the
/// machine. Matrices are row-major and contiguous; pointers need no alignment.
enum MatrixProducts {
  /// C = A B for an A whose row r is 0 outside the columns it lists: the sums without their
  /// 0 terms (the same bits as with them while B is finite), 16 columns of a row at a time.
  ///
  ///     C_rj = sum_s A_r,l_s B_l_s,j   (s = 0, 1, ..., counts[r] - 1; l_s = listed[r inner + s])
  ///
  /// - Parameters: a rows x inner, b inner x columns, c rows x columns (written); listed
  ///   rows x inner, each row's first counts[r] entries its columns in increasing order, each in
  ///   0..<inner; rows, inner, columns >= 0.
  static func multiplyListed(
    _ a: UnsafePointer<Double>, listed: UnsafePointer<Int>, counts: UnsafePointer<Int>,
    _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    rows: Int, inner: Int, columns: Int
  ) {
    let n = columns
    for r in 0..<rows {
      let ar = a + r * inner
      let lr = listed + r * inner
      let on = counts[r]
      let cr = c + r * n
      var j = 0
      while j + 16 <= n {
        var c0 = SIMD4<Double>()
        var c1 = SIMD4<Double>()
        var c2 = SIMD4<Double>()
        var c3 = SIMD4<Double>()
        for s in 0..<on {
          let l = lr[s]
          let x = SIMD4(repeating: ar[l])
          let bl = b + l * n + j
          c0 = c0 + x * load(bl)
          c1 = c1 + x * load(bl + 4)
          c2 = c2 + x * load(bl + 8)
          c3 = c3 + x * load(bl + 12)
        }
        store(c0, cr + j)
        store(c1, cr + j + 4)
        store(c2, cr + j + 8)
        store(c3, cr + j + 12)
        j += 16
      }
      while j + 4 <= n {
        var c0 = SIMD4<Double>()
        for s in 0..<on {
          let l = lr[s]
          c0 = c0 + SIMD4(repeating: ar[l]) * load(b + l * n + j)
        }
        store(c0, cr + j)
        j += 4
      }
      while j < n {
        var t = 0.0
        for s in 0..<on {
          let l = lr[s]
          t = t + ar[l] * b[l * n + j]
        }
        cr[j] = t
        j += 1
      }
    }
  }

  /// C's entries on and below the diagonal += A^T B (and those above it in the diagonal
  /// 4 x 4 tiles; the rest of C is left as it is).
  ///
  ///     C_ij = C_ij + sum_r A_ri B_rj   (r = 0, 1, ..., rows - 1; j <= i)
  ///
  /// - Parameters: a and b rows x columns, c columns x columns (updated); rows, columns >= 0.
  static func addTransposeProductLower(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    rows: Int, columns: Int
  ) {
    let n = columns
    var i = 0
    while i + 4 <= n {
      var j = 0
      while j <= i {
        let c0p = c + i * n + j
        var c0 = load(c0p)
        var c1 = load(c0p + n)
        var c2 = load(c0p + 2 * n)
        var c3 = load(c0p + 3 * n)
        var ar = a + i
        var br = b + j
        for _ in 0..<rows {
          let x = load(br)
          c0 = c0 + SIMD4(repeating: ar[0]) * x
          c1 = c1 + SIMD4(repeating: ar[1]) * x
          c2 = c2 + SIMD4(repeating: ar[2]) * x
          c3 = c3 + SIMD4(repeating: ar[3]) * x
          ar += n
          br += n
        }
        store(c0, c0p)
        store(c1, c0p + n)
        store(c2, c0p + 2 * n)
        store(c3, c0p + 3 * n)
        j += 4
      }
      i += 4
    }
    // The last n mod 4 rows of C, entry by entry up to the diagonal.
    while i < n {
      for j in 0...i {
        var s = c[i * n + j]
        var ar = a + i
        var br = b + j
        for _ in 0..<rows {
          s = s + ar[0] * br[0]
          ar += n
          br += n
        }
        c[i * n + j] = s
      }
      i += 1
    }
  }

  @inline(__always) private static func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
  }

  @inline(__always) private static func store(
    _ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>
  ) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
  }
}
