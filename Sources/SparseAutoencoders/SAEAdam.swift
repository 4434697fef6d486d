import Foundation

/// Adam's moments for a flat parameter vector (Kingma & Ba, bias-corrected), in memory of the
/// kernel's workspace.
///
///     m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2
///     theta -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
struct AdamMoments {
  /// m and v, `count` values each, 0 before the first step.
  private let first: UnsafeMutablePointer<Double>
  private let second: UnsafeMutablePointer<Double>
  private let count: Int
  /// The steps taken, t.
  private var steps = 0
  /// 1 - beta1^t and 1 - beta2^t of the last step.
  private var corrections = (0.0, 0.0)

  /// Zero moments for `count` parameters, in regions of `carver` (written once the carver's
  /// workspace is allocated: `reset()`).
  init(_ carver: inout Workspace.Carver, count: Int) {
    self.count = count
    first = carver.take(count)
    second = carver.take(count)
  }

  /// m = v = 0 (in the workspace's memory).
  func reset() {
    first.initialize(repeating: 0, count: count)
    second.initialize(repeating: 0, count: count)
  }

  /// One step on the parameters of `ranges` (indices into `parameters` and `gradient`, each
  /// index at most once); the others keep their values and moments.
  mutating func step(
    _ parameters: UnsafeMutablePointer<Double>, _ gradient: UnsafePointer<Double>,
    over ranges: [Range<Int>], learningRate lr: Double, beta1: Double, beta2: Double,
    epsilon: Double
  ) {
    steps += 1
    // 1 - beta^t, until it rounds to 1 (beta^t only falls): then 1 without a pow.
    if corrections.0 < 1 { corrections.0 = 1 - pow(beta1, Double(steps)) }
    if corrections.1 < 1 { corrections.1 = 1 - pow(beta2, Double(steps)) }
    let (c1, c2) = corrections
    let first = first
    let second = second
    for range in ranges {
      for j in range {
        let g = gradient[j]
        let m = beta1 * first[j] + (1 - beta1) * g
        let v = beta2 * second[j] + (1 - beta2) * g * g
        first[j] = m
        second[j] = v
        parameters[j] -= lr * (m / c1) / ((v / c2).squareRoot() + epsilon)
      }
    }
  }
}
