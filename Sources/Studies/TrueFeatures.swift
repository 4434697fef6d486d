import SparseAutoencoders
import ToyModels

extension SAECase {
  /// The features the case's latents track, one per latent in order: its sae block's initial
  /// features, else the first min(k, n).
  public var trackedFeatures: [Int] {
    architecture.initialFeatures ?? Array(0..<min(architecture.latents, features.count))
  }

  /// The SAE at the true features: decoder row i = feature `trackedFeatures[i]` (its row of
  /// `basis` when embedded), encoder = decoder, biases 0; nil when there are fewer features
  /// than latents.
  ///
  /// - Parameters: dimensions d >= n; basis: the features' directions (n rows of d) or nil.
  public func trueFeaturesStart(dimensions d: Int, basis: [[Double]]?) throws -> SAE? {
    let truth = trackedFeatures
    guard truth.count == architecture.latents else { return nil }
    var atTruth = architecture
    atTruth.initialFeatures = truth
    atTruth.initialNoise = 0
    return try atTruth.initialSAE(dimensions: d, seed: 1, basis: basis)
  }

  /// The true-features SAE: the start at the true features with its decoder held and its
  /// encoder and trained biases minimised (`SAE.minimisingEncoder`) on the exact loss of
  /// the plan (its final reconstruction loss, L1 and which biases train) over `patterns`.
  ///
  /// - Parameters: start: `trueFeaturesStart`'s SAE; iterations >= 0.
  public func trueFeaturesSAE(
    start: SAE, on patterns: [WeightedPattern], basis: [[Double]]?, plan: SAETrainingPlan,
    iterations: Int = 10_000
  ) -> (sae: SAE, minimisation: SAEMinimisation) {
    start.minimisingEncoder(
      on: patterns, basis: basis, reconstruction: plan.finalReconstruction, l1: plan.l1,
      trainsEncoderBias: plan.trainsEncoderBias, trainsDecoderBias: plan.trainsDecoderBias,
      iterations: iterations)
  }
}
