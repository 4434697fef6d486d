import XCTest

@testable import SparseAutoencoders

/// `LimitedMemoryBFGS` on functions whose minima are known by hand.
final class LimitedMemoryBFGSTests: XCTestCase {
  func run(
    _ start: [Double], limit: Int = 1000, tolerance: Double = 1e-12,
    _ f: @escaping ([Double], inout [Double]) -> Double
  ) throws -> (x: [Double], stop: SAEMinimisation.Stop, iterations: Int) {
    var x = start
    let n = start.count
    let out = try LimitedMemoryBFGS().minimise(
      &x,
      evaluate: { p, g in
        let v = Array(UnsafeBufferPointer(start: p, count: n))
        var grad = [Double](repeating: 0, count: n)
        let value = f(v, &grad)
        for j in 0..<n { g[j] = grad[j] }
        return value
      },
      isStationary: { _, _, g in g.reduce(0) { $0 + $1 * $1 }.squareRoot() <= tolerance },
      iterations: limit, isCancelled: nil, observe: nil)
    return (x, out.stop, out.iterations)
  }

  /// Rosenbrock's function 100 (y - x^2)^2 + (1 - x)^2: minimum 0 at (1, 1).
  func testRosenbrockFromTheClassicalStart() throws {
    let r = try run([-1.2, 1]) { v, g in
      let (x, y) = (v[0], v[1])
      g[0] = -400 * x * (y - x * x) - 2 * (1 - x)
      g[1] = 200 * (y - x * x)
      return 100 * (y - x * x) * (y - x * x) + (1 - x) * (1 - x)
    }
    XCTAssertEqual(r.stop, .converged)
    XCTAssertEqual(r.x[0], 1, accuracy: 1e-10)
    XCTAssertEqual(r.x[1], 1, accuracy: 1e-10)
    XCTAssertLessThan(r.iterations, 100)
  }

  /// An ill-conditioned quadratic sum_i i^2 (x_i - i)^2 / 2 in 20 dimensions: minimum at
  /// x_i = i, reached to 1e-9.
  func testQuadratic() throws {
    let n = 20
    let r = try run([Double](repeating: 0, count: n)) { v, g in
      var s = 0.0
      for i in 0..<n {
        let c = Double((i + 1) * (i + 1))
        g[i] = c * (v[i] - Double(i + 1))
        s += c * (v[i] - Double(i + 1)) * (v[i] - Double(i + 1)) / 2
      }
      return s
    }
    XCTAssertEqual(r.stop, .converged)
    for i in 0..<n { XCTAssertEqual(r.x[i], Double(i + 1), accuracy: 1e-9) }
  }

  /// A minimum on a kink: |x| + (y - 1)^2 has its minimum at (0, 1), where the gradient
  /// never vanishes: the run ends with noProgress there, not at the iteration limit.
  func testKinkMinimumEndsWithNoProgress() throws {
    let r = try run([0.7, -0.3], limit: 10_000) { v, g in
      g[0] = v[0] >= 0 ? 1 : -1  // one side at the kink, as relu's derivative
      g[1] = 2 * (v[1] - 1)
      return abs(v[0]) + (v[1] - 1) * (v[1] - 1)
    }
    XCTAssertEqual(r.stop, .noProgress)
    XCTAssertEqual(r.x[0], 0, accuracy: 1e-6)
    XCTAssertEqual(r.x[1], 1, accuracy: 1e-6)
  }

  /// The cubic interpolating a^3/3 - a from its values and slopes at 0 and 2 is that cubic
  /// itself: its local minimiser is a = 1 (where a^2 - 1 = 0).
  func testCubicInterpolation() {
    let g: (Double) -> (Double, Double) = { a in (a * a * a / 3 - a, a * a - 1) }
    let (f0, s0) = g(0)
    let (f2, s2) = g(2)
    let t = LimitedMemoryBFGS.cubicMinimiser((0, f0, s0), (2, f2, s2))
    XCTAssertEqual(t ?? .nan, 1, accuracy: 1e-14)
  }
}
