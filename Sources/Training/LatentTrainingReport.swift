import Landscape
import SparseAutoencoders
import Reports

/// What `landscape train --json` prints for a single-latent case: where the latent landed,
/// its losses and the settings of the run.
///
///     {"case", "t", "latent", "bias", "loss", "samples_per_second", "loss_kind", "case_bias",
///      "sae_loss", "cosine", "encoder_bias", "training": {...}}
public struct LatentTrainingReport: Sendable, Encodable {
  public var source: LatentCase
  public var options: LatentTrainingPlan
  public var result: LatentTrainingRun

  public init(_ source: LatentCase, options: LatentTrainingPlan, result: LatentTrainingRun) {
    self.source = source
    self.options = options
    self.result = result
  }

  enum Keys: String, CodingKey {
    case name = "case", t, latent, bias, loss, samplesPerSecond = "samples_per_second"
    case lossKind = "loss_kind", caseBias = "case_bias", saeLoss = "sae_loss", cosine
    case encoderBias = "encoder_bias", training, steps, batch, lr, beta1, beta2, seed, dim
    case initialT = "init", initialNoise = "init_noise", snapAt = "snap_at", l1, sampling
    case seconds, optimizer, gtol, minimisation
  }

  public func encode(to encoder: Encoder) throws {
    let f = source.features
    let r = result
    let o = options
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(source.name, forKey: .name)
    try c.encode(ReportNumber(r.t), forKey: .t)
    try c.encode(FeatureVector(f, r.latent), forKey: .latent)
    try c.encode(r.decoderBias.map { FeatureVector(f, $0) }, forKey: .bias)
    try c.encode(ReportNumber(r.loss), forKey: .loss)
    try c.encode(ReportNumber(r.samplesPerSecond), forKey: .samplesPerSecond)
    try c.encode(r.lossKind.rawValue, forKey: .lossKind)
    try c.encode(source.bias.kind.rawValue, forKey: .caseBias)
    try c.encode(ReportNumber(r.saeLoss), forKey: .saeLoss)
    try c.encode(ReportNumber(r.cosine), forKey: .cosine)
    try c.encode(r.encoderBias.map(ReportNumber.init), forKey: .encoderBias)
    var t = c.nestedContainer(keyedBy: Keys.self, forKey: .training)
    try t.encode(o.sae.loss.rawValue, forKey: .loss)
    try t.encode(o.sae.steps, forKey: .steps)
    try t.encode(o.sae.batch, forKey: .batch)
    try t.encode(ReportNumber(o.sae.learningRate), forKey: .lr)
    try t.encode(ReportNumber(o.sae.beta1), forKey: .beta1)
    try t.encode(ReportNumber(o.sae.beta2), forKey: .beta2)
    try t.encode(o.sae.seed, forKey: .seed)
    try t.encode(r.dimension, forKey: .dim)
    try t.encode(ReportNumber(o.initialT), forKey: .initialT)
    try t.encode(ReportNumber(o.sae.initialNoise), forKey: .initialNoise)
    try t.encode(o.sae.loss == .snap ? o.sae.switchStep : nil, forKey: .snapAt)
    try t.encode(o.biases.rawValue, forKey: .bias)
    try t.encode(ReportNumber(o.sae.l1), forKey: .l1)
    try t.encode(o.sae.data.rawValue, forKey: .sampling)
    try t.encode(ReportNumber(r.seconds), forKey: .seconds)
    if let m = r.minimisation {
      try t.encode(o.sae.optimizer.rawValue, forKey: .optimizer)
      try t.encode(ReportNumber(o.sae.gradientTolerance), forKey: .gtol)
      try c.encode(m, forKey: .minimisation)
    }
  }
}
