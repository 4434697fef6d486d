import _CGSL

/// Thin, throwing wrappers over the GSL routines the landscape uses.
///
/// GSL's default error handler aborts the process; it is switched off once, before the
/// first call, and every return code is checked instead. The other modules of the package
/// that call GSL (the trainer) switch it off here too, before their first call.
package enum GSL {
  private static let handlerOff: Void = { _ = gsl_set_error_handler_off() }()

  /// Makes sure GSL reports errors by return code instead of aborting.
  package static func prepare() { _ = handlerOff }

  /// The real roots of a t^2 + b t + c = 0 (a linear or constant equation when a = 0).
  ///
  /// Uses `gsl_poly_solve_quadratic`, which returns the roots in ascending order and
  /// counts a double root twice. Only the first `count` of (r0, r1) are roots.
  @inline(__always)
  static func quadraticRoots(_ a: Double, _ b: Double, _ c: Double) -> (
    count: Int, r0: Double, r1: Double
  ) {
    prepare()
    var r0 = 0.0
    var r1 = 0.0
    let n = gsl_poly_solve_quadratic(a, b, c, &r0, &r1)
    return (Int(n), r0, r1)
  }

  /// A root of `f` in [lo, hi], where f(lo) and f(hi) have opposite signs, by Brent's
  /// method (`gsl_root_fsolver_brent`), to an absolute tolerance of about 1e-15 in t.
  ///
  /// Returns nil when GSL reports an error (the bracket does not straddle a root).
  static func bracketedRoot(in lo: Double, _ hi: Double, _ f: (Double) -> Double) -> Double? {
    prepare()
    return withoutActuallyEscaping(f) { f in
      let box = Box(f)
      let params = Unmanaged.passUnretained(box).toOpaque()
      var function = gsl_function(
        function: { x, p in Unmanaged<Box>.fromOpaque(p!).takeUnretainedValue().f(x) },
        params: params)
      guard let solver = gsl_root_fsolver_alloc(hl_root_fsolver_brent()) else { return nil }
      defer { gsl_root_fsolver_free(solver) }
      guard gsl_root_fsolver_set(solver, &function, lo, hi) == GSL_SUCCESS else { return nil }
      var root = 0.5 * (lo + hi)
      for _ in 0..<200 {
        guard gsl_root_fsolver_iterate(solver) == GSL_SUCCESS else { return nil }
        root = gsl_root_fsolver_root(solver)
        let a = gsl_root_fsolver_x_lower(solver)
        let b = gsl_root_fsolver_x_upper(solver)
        let tolerance = Tolerance.rootBracket
        if gsl_root_test_interval(a, b, tolerance, tolerance) == GSL_SUCCESS { break }
      }
      _ = box
      return root
    }
  }

  /// A local minimum of `f` over R^n from `start`, by the Nelder-Mead simplex
  /// (`gsl_multimin_fminimizer_nmsimplex2`), stopped when the simplex's size falls below
  /// `tolerance`, after `iterations` steps, or after `stall` steps that found no lower value.
  ///
  /// - Parameters:
  ///   - start: the first point (n >= 1, finite).
  ///   - step: the initial simplex's size in every coordinate (> 0).
  /// - Returns: the best point and its value, or nil when GSL reports an error.
  static func simplexMinimum(
    from start: [Double], step: Double, tolerance: Double, iterations: Int = 20_000,
    stall: Int = 200, _ f: ([Double]) -> Double
  ) -> (x: [Double], value: Double)? {
    prepare()
    let n = start.count
    guard n > 0, start.allSatisfy(\.isFinite), step > 0 else { return nil }
    return withoutActuallyEscaping(f) { f in
      let box = VectorBox(f, n: n)
      let params = Unmanaged.passUnretained(box).toOpaque()
      var function = gsl_multimin_function(
        f: { x, p in
          let box = Unmanaged<VectorBox>.fromOpaque(p!).takeUnretainedValue()
          for i in 0..<box.n { box.scratch[i] = gsl_vector_get(x, i) }
          let v = box.f(box.scratch)
          return v.isFinite ? v : Double.greatestFiniteMagnitude
        }, n: n, params: params)
      guard let x = gsl_vector_alloc(n), let steps = gsl_vector_alloc(n),
        let minimizer = gsl_multimin_fminimizer_alloc(hl_multimin_nmsimplex2(), n)
      else { return nil }
      defer {
        gsl_vector_free(x)
        gsl_vector_free(steps)
        gsl_multimin_fminimizer_free(minimizer)
      }
      for i in 0..<n {
        gsl_vector_set(x, i, start[i])
        gsl_vector_set(steps, i, step)
      }
      guard gsl_multimin_fminimizer_set(minimizer, &function, x, steps) == GSL_SUCCESS else {
        return nil
      }
      // At a kink the simplex can stop shrinking while its best value no longer moves
      // (rounding decides its steps): after `stall` iterations without a lower value it
      // has converged as far as it will.
      var lowest = Double.infinity
      var sinceLower = 0
      for _ in 0..<iterations {
        guard gsl_multimin_fminimizer_iterate(minimizer) == GSL_SUCCESS else { break }
        if gsl_multimin_test_size(gsl_multimin_fminimizer_size(minimizer), tolerance)
          == GSL_SUCCESS
        {
          break
        }
        let value = gsl_multimin_fminimizer_minimum(minimizer)
        if value < lowest {
          lowest = value
          sinceLower = 0
        } else {
          sinceLower += 1
          if sinceLower >= stall { break }
        }
      }
      let best = gsl_multimin_fminimizer_x(minimizer)!
      let point = (0..<n).map { gsl_vector_get(best, $0) }
      _ = box
      return (point, gsl_multimin_fminimizer_minimum(minimizer))
    }
  }

  private final class VectorBox {
    let f: ([Double]) -> Double
    let n: Int
    var scratch: [Double]
    init(_ f: @escaping ([Double]) -> Double, n: Int) {
      self.f = f
      self.n = n
      scratch = [Double](repeating: 0, count: n)
    }
  }

  private final class Box {
    let f: (Double) -> Double
    init(_ f: @escaping (Double) -> Double) { self.f = f }
  }

  /// The eigenvector of the symmetric matrix `m` (row-major, n x n) with the largest
  /// eigenvalue, and that eigenvalue, by `gsl_eigen_symmv`.
  static func topEigenvector(of m: [Double], n: Int) -> (value: Double, vector: [Double])? {
    prepare()
    guard n > 0, m.count == n * n, m.allSatisfy(\.isFinite) else { return nil }
    guard let a = gsl_matrix_alloc(n, n), let vectors = gsl_matrix_alloc(n, n),
      let values = gsl_vector_alloc(n), let work = gsl_eigen_symmv_alloc(n)
    else { return nil }
    defer {
      gsl_matrix_free(a)
      gsl_matrix_free(vectors)
      gsl_vector_free(values)
      gsl_eigen_symmv_free(work)
    }
    for i in 0..<n { for j in 0..<n { gsl_matrix_set(a, i, j, m[i * n + j]) } }
    guard gsl_eigen_symmv(a, values, vectors, work) == GSL_SUCCESS,
      gsl_eigen_symmv_sort(values, vectors, GSL_EIGEN_SORT_VAL_DESC) == GSL_SUCCESS
    else { return nil }
    return (gsl_vector_get(values, 0), (0..<n).map { gsl_matrix_get(vectors, $0, 0) })
  }
}
