import ToyModels
import _CGSL

/// What a run of the minimiser (`SAETrainingPlan.Optimizer.lbfgs`) did: how far it went and
/// where it stopped.
public struct SAEMinimisation: Sendable, Hashable, Encodable {
  /// Why the minimiser stopped.
  public enum Stop: String, Sendable, Hashable, Encodable {
    /// The gradient's norm fell to the tolerance: a stationary point of the exact loss.
    case converged
    /// The line search could not lower the loss (GSL_ENOPROG): at a kink of the loss (a
    /// pattern's pre-activation at zero) or at the precision of the arithmetic.
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

/// The minimiser's state shared with GSL's callbacks.
private final class MinimiserContext {
  let kernel: SAEKernel
  let batch: PatternBatch
  var evaluations = 0

  init(_ kernel: SAEKernel, _ batch: PatternBatch) {
    self.kernel = kernel
    self.batch = batch
  }

  static func from(_ params: UnsafeMutableRawPointer?) -> MinimiserContext {
    Unmanaged<MinimiserContext>.fromOpaque(params!).takeUnretainedValue()
  }
}

extension SAEKernel {
  /// Minimises the exact loss over `batch` (every pattern, weighted by its probability) with
  /// GSL's `gsl_multimin_fdfminimizer_vector_bfgs2`: Fletcher's BFGS with a line search
  /// (R. Fletcher, Practical Methods of Optimization, algorithms 2.6.2 and 2.6.4), whose
  /// direction uses the last step's pair only (a limited-memory BFGS of memory 1: O(P)
  /// memory for P parameters).
  ///
  ///     minimise L(theta), decoder row i = v_i / |v_i|   (unconstrained in v)
  ///
  /// The loss is smooth within a piece (each pattern's active latents fixed) and has kinks
  /// where a pattern's pre-activation crosses zero; nothing smooths them: the line search
  /// works across them, and a minimum on a kink ends the run with `noProgress` (the report
  /// gives the gradient's norm there). Deterministic: no random draws.
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
    let context = MinimiserContext(self, batch)
    let x = gsl_vector_alloc(n)!
    let scratch = gsl_vector_alloc(n)!
    let minimizer = gsl_multimin_fdfminimizer_alloc(hl_multimin_vector_bfgs2(), n)!
    defer {
      gsl_multimin_fdfminimizer_free(minimizer)
      gsl_vector_free(scratch)
      gsl_vector_free(x)
    }
    _ = gsl_set_error_handler_off()
    readTrained(into: x.pointee.data)
    var function = gsl_multimin_function_fdf(
      f: { v, params in
        let c = MinimiserContext.from(params)
        c.evaluations += 1
        return c.kernel.evaluate(v!.pointee.data, gradient: nil, c.batch)
      },
      df: { v, params, g in
        let c = MinimiserContext.from(params)
        c.evaluations += 1
        _ = c.kernel.evaluate(v!.pointee.data, gradient: g!.pointee.data, c.batch)
      },
      fdf: { v, params, f, g in
        let c = MinimiserContext.from(params)
        c.evaluations += 1
        f!.pointee = c.kernel.evaluate(v!.pointee.data, gradient: g!.pointee.data, c.batch)
      },
      n: n, params: Unmanaged.passUnretained(context).toOpaque())
    // A first step of 0.1 along the gradient (the parameters are of order 1: unit decoder
    // rows); a line search to 0.1 of the directional derivative, as GSL suggests for BFGS.
    var status = gsl_multimin_fdfminimizer_set(minimizer, &function, x, 0.1, 0.1)
    var done = 0
    var stop = SAEMinimisation.Stop.iterationLimit
    func measure() -> (loss: Double, norm: Double) {
      context.evaluations += 1
      let at = gsl_multimin_fdfminimizer_x(minimizer)!
      let value = evaluate(at.pointee.data, gradient: scratch.pointee.data, batch)
      return (value, tangentNorm(at.pointee.data, scratch.pointee.data))
    }
    var (loss, norm) = measure()
    if status == GSL_SUCCESS && norm <= relative * max(abs(loss), 1e-300) {
      stop = .converged
    } else if status != GSL_SUCCESS {
      stop = .noProgress
    } else {
      while done < limit {
        if let isCancelled, isCancelled() { throw CancellationError() }
        status = gsl_multimin_fdfminimizer_iterate(minimizer)
        done += 1
        (loss, norm) = measure()
        observe?(done, loss)
        if norm <= relative * max(abs(loss), 1e-300) {
          stop = .converged
          break
        }
        if status != GSL_SUCCESS {
          stop = .noProgress
          break
        }
      }
    }
    // The kernel holds the last point measured: the minimiser's best, decoder rows unit-norm.
    return SAEMinimisation(
      iterations: done, evaluations: context.evaluations, loss: loss, gradientNorm: norm,
      tolerance: relative * max(abs(loss), 1e-300), stop: stop)
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
