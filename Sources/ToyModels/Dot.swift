/// The dot product a . b = sum_i a_i b_i, summed in index order (so every caller gets the
/// same bits for the same vectors); dot(a, a).squareRoot() is a's norm.
///
/// - Parameters:
///   - a: a vector.
///   - b: a vector with at least as many components as `a`.
@inlinable @inline(__always) package func dot(_ a: [Double], _ b: [Double]) -> Double {
  var s = 0.0
  for i in a.indices { s += a[i] * b[i] }
  return s
}
