/// A sampled toy's source of batches: `samples` draws from a stream into a batch.
///
/// A sampler owns scratch buffers for one run at a time (a class, not shared between threads);
/// the same stream state gives the same batch, bit for bit.
public protocol FiringSampler: AnyObject {
  /// Draws `samples` samples from `stream` into `batch` (replacing what it held); the batch's
  /// weights sum to 1 and `batch.samples` is `samples`.
  /// - Parameter samples: >= 1.
  func draw(_ samples: Int, _ stream: RandomStream, into batch: PatternBatch)
}

extension CorrelatedFiring.Sampler: FiringSampler {}

extension ToyModel {
  /// A new sampler of a sampled toy (correlated firing, or drawn magnitudes); nil for an
  /// enumerable toy.
  public func sampler() -> (any FiringSampler)? {
    switch firing {
    case .enumerable: return nil
    case .correlated(let c): return CorrelatedFiring.Sampler(c)
    case .drawnMagnitudes(let d): return DrawnMagnitudes.Sampler(d)
    }
  }
}
