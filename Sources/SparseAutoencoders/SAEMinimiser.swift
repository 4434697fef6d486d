import ToyModels

/// What a run of the minimiser (`SAETrainingPlan.Optimizer.lbfgs`) did: how far it went and
/// where it stopped.
public struct SAEMinimisation: Sendable, Hashable, Encodable {
  /// Why the minimiser stopped.
  public enum Stop: String, Sendable, Hashable, Encodable {
    /// The gradient's norm fell to the tolerance: a stationary point of the exact loss.
    case converged
    /// No step lowered the loss, along the quasi-Newton direction nor the steepest descent: a
    /// minimum on a kink of the loss (a pattern's pre-activation at zero) or the precision of
    /// the arithmetic.
    case noProgress = "no_progress"
    /// The iteration limit (`steps`) was reached first.
    case iterationLimit = "iteration_limit"
  }

  /// Iterations done (each one line search).
  public var iterations: Int
  /// Loss and gradient evaluations over the whole run.
  public var evaluations: Int
  /// The exact loss at the end.
  public var loss: Double
  /// The norm of the exact gradient at the end, in the tangent space of the decoder-norm
  /// constraint (the biases' and encoder's parts as they are, each decoder row's projected off
  /// the row).
  public var gradientNorm: Double
  /// The tolerance it was held to: `gradientTolerance` times max(|loss|, 1e-300).
  public var tolerance: Double
  public var stop: Stop

  enum CodingKeys: String, CodingKey {
    case iterations, evaluations, loss, gradientNorm = "gradient_norm", tolerance, stop
  }
}

extension SAEKernel {
  /// Minimises the exact loss over `batch` (every pattern, weighted by its probability) with
  /// limited-memory BFGS and a strong-Wolfe line search (`LimitedMemoryBFGS`, memory 10).
  ///
  ///     minimise L(theta), decoder row i = v_i / |v_i|   (unconstrained in v)
  ///
  /// The loss is smooth within a piece (each pattern's active latents fixed) and has kinks
  /// where a pattern's pre-activation crosses zero; nothing smooths them: the line search
  /// takes the best sufficient-decrease step when the slope jumps across a kink, and a
  /// minimum on a kink ends the run with `noProgress` (the report gives the gradient's norm
  /// there). Deterministic: no random draws.
  ///
  /// - Parameters: iterations >= 0, the limit; tolerance > 0, relative to the loss;
  ///   isCancelled asked before every iteration; observe after every iteration.
  /// - Throws: `CancellationError`.
  func minimise(
    _ batch: PatternBatch, iterations limit: Int, tolerance relative: Double,
    isCancelled: (() -> Bool)?, observe: ((Int, Double) -> Void)?
  ) throws(CancellationError) -> SAEMinimisation {
    let n = trainedCount
    guard n > 0 else {
      // Nothing trains: the loss as it stands.
      var none = 0.0
      let value = evaluate(&none, gradient: nil, batch)
      return SAEMinimisation(
        iterations: 0, evaluations: 1, loss: value, gradientNorm: 0, tolerance: 0,
        stop: .converged)
    }
    var x = [Double](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer { readTrained(into: $0.baseAddress!) }
    var evaluations = 0
    var norm = 0.0
    let run = try LimitedMemoryBFGS().minimise(
      &x,
      evaluate: { v, g in
        evaluations += 1
        return self.evaluate(v, gradient: g, batch)
      },
      isStationary: { value, at, g in
        norm = tangentNorm(at, g)
        return norm <= relative * max(abs(value), 1e-300)
      },
      iterations: limit, isCancelled: isCancelled, observe: observe)
    // Leave the kernel at the point reported (the line search's last trial may differ).
    evaluations += 1
    let loss = x.withUnsafeBufferPointer { evaluate($0.baseAddress!, gradient: nil, batch) }
    if run.stop != .converged { norm = tangentNorm(x, run.gradient) }
    return SAEMinimisation(
      iterations: run.iterations, evaluations: evaluations, loss: loss, gradientNorm: norm,
      tolerance: relative * max(abs(loss), 1e-300), stop: run.stop)
  }
}

extension SAE {
  /// This SAE with its decoder held and everything else (encoder rows, trained biases)
  /// minimised on the exact loss over `patterns` (`SAEKernel.minimise`): with the decoder at
  /// the true features, the best SAE whose latents are the features themselves.
  ///
  /// - Parameters: as `certificate(on:...)`; iterations >= 0; tolerance in (0, 1).
  public func minimisingEncoder(
    on patterns: [WeightedPattern], basis: [[Double]]? = nil,
    reconstruction: ReconstructionLoss = .mse, l1: Double = 0, trainsEncoderBias: Bool = true,
    trainsDecoderBias: Bool = true, iterations: Int = 10_000, tolerance: Double = 1e-10
  ) -> (sae: SAE, minimisation: SAEMinimisation) {
    let batch = PatternBatch()
    for p in patterns where p.weight > 0 { batch.append(weight: p.weight, active: p.active) }
    let kernel = SAEKernel(self, basis: basis)
    kernel.l1 = l1
    kernel.reconstruction = reconstruction
    kernel.trainsEncoderBias = trainsEncoderBias
    kernel.trainsDecoderBias = trainsDecoderBias
    kernel.trainsDecoder = false
    // Never cancelled: `minimise` throws only on cancellation.
    let outcome = try! kernel.minimise(
      batch, iterations: iterations, tolerance: tolerance, isCancelled: nil, observe: nil)
    var sae = self
    kernel.store(into: &sae)
    return (sae, outcome)
  }
}
