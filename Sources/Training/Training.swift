// The Training module: a tied single-latent SAE trained with Adam on activations sampled
// from a case, the cross-check of the exact landscape.
//
//  - `LatentCase.trainingRun` runs a training (`LatentTrainingPlan` in, `LatentTrainingRun`
//    out) through the many-latent trainer of SparseAutoencoders, on a tied relu SAE of one
//    latent.
//  - `LatentPath.nearestT(to:)` maps a learned latent back onto the case's path.
//  - `LatentTrainingCheck` compares a training with the analytic minimum it should reach.
