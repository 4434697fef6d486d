import ToyModels

@testable import SparseAutoencoders

/// The trainer tests' toy, start and plan: a parent with one child and an independent
/// feature; two untied (or tied) latents; 300 steps at lr 0.01 with L1 0.05.
enum TrainerFixture {
  static func toy() throws -> ToyModel {
    try HierarchyToy(
      featureCount: 3,
      groups: [
        .init(
          parent: 0, probability: 0.3, children: [.init(feature: 1, probability: 0.4)],
          exclusiveChildren: true)
      ],
      independent: [.init(feature: 2, probability: 0.2)]
    ).toyModel()
  }

  static func initial(tied: Bool = false) throws -> SAE {
    try SAE(
      decoder: [[0.7, 0.3, 0.2], [0.2, 0.3, 0.8]], decoderBias: [0, 0, 0],
      encoder: tied ? nil : [[0.6, 0.2, 0.1], [0.1, 0.2, 0.7]])
  }

  static func plan(_ data: SAETrainingPlan.Data, seed: UInt64 = 1) -> SAETrainingPlan {
    var p = SAETrainingPlan()
    p.data = data
    p.steps = 300
    p.batch = 4096
    p.learningRate = 0.01
    p.seed = seed
    p.l1 = 0.05
    return p
  }
}
