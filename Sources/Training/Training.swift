// The Training module: a tied single-latent SAE trained with Adam on activations sampled
// from a case, the cross-check of the exact landscape.
//
//  - `Trainer` runs a training (`LatentTrainingPlan` in, `TrainingResult` out) through the
//    many-latent trainer of SparseAutoencoders, on a tied relu SAE of one latent.
//  - `LatentPath.nearestT(to:)` maps a learned latent back onto the case's path.
//  - `TrainingCheck` compares a training with the analytic minimum it should reach.
