import Reports
import SparseAutoencoders
import ToyModels

/// Certifying an SAE on an SAE case's enumerable toy: what `landscape certify` calls.
public struct SAECertification: Sendable {
  public var saeCase: SAECase
  public var sae: SAE

  public init(saeCase: SAECase, sae: SAE) {
    self.saeCase = saeCase
    self.sae = sae
  }

  /// The certificate on the case's exact loss (its train block's loss, L1 and biases).
  /// - Throws: `FieldError` when the toy is sampled, the loss is snap, or the certificate
  ///   refuses the SAE (`SAE.certificate`).
  public func run() throws -> SAECertificationReport {
    guard let patterns = saeCase.toy.patterns else {
      throw FieldError(
        field: "case", value: saeCase.name,
        reason: "has a sampled toy: a certificate needs an enumerable one (patterns or hierarchy)")
    }
    let plan = saeCase.plan
    let certificate = try sae.certificate(
      on: patterns, reconstruction: plan.finalReconstruction, l1: plan.l1,
      trainsEncoderBias: plan.trainsEncoderBias, trainsDecoderBias: plan.trainsDecoderBias)
    return SAECertificationReport(
      name: saeCase.name, features: saeCase.features, loss: plan.finalReconstruction,
      certificate: certificate)
  }
}

/// `landscape certify`'s report: the case, the loss certified and the certificate.
///
///     {"case", "loss", "certificate": {...}} (see `SAECertificate`)
public struct SAECertificationReport: Sendable, Encodable {
  public var name: String
  public var features: [String]
  public var loss: ReconstructionLoss
  public var certificate: SAECertificate

  enum CodingKeys: String, CodingKey { case name = "case", loss, certificate }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(loss == .mse ? "mse" : "l2", forKey: .loss)
    try c.encode(certificate, forKey: .certificate)
  }

  /// The text report: the verdict, then the numbers behind it.
  public var text: String {
    let c = certificate
    var out = "\(name): \(c.verdict.rawValue) of the exact \(loss == .mse ? "MSE" : "L2") loss\n"
    out += "loss:                 \(c.loss)\n"
    out += "gradient norm:        \(c.gradientNorm) (stationary at most \(c.gradientTolerance))\n"
    out += "Hessian eigenvalues:  \(c.smallestEigenvalue) to \(c.largestEigenvalue) "
    out += "over \(c.tangentDimension) tangent directions, \(c.flatDirections) within "
    out += "\(c.eigenvalueTolerance) of 0\n"
    out += "piece's margin:       \(c.margin) (the smallest |pre-activation|)\n"
    if c.kinkPairs > 0 {
      out += "kinks:                \(c.kinkPairs) pattern-latent pairs within \(c.kinkRadius) of 0"
      if let s = c.subgradientNorm {
        out += "; the smallest subgradient there has norm \(s)"
      } else if c.gradientNorm > c.gradientTolerance {
        out += " (not searched: more than \(SAECertificate.kinkLimit), or the encoder bias frozen)"
      }
      out += "\n"
      if c.margin < 1e-5 {
        out += "(on a kink the Hessian's differences cross pieces: its eigenvalues are not the piece's)\n"
      }
    }
    if !c.deadLatents.isEmpty {
      out += "dead latents:         \(c.deadLatents.map(String.init).joined(separator: ", "))"
      out += " (fire on no pattern: their weights are flat directions)\n"
    }
    if let d = c.descent {
      func weights(_ v: [Double]) -> String {
        zip(features, v).map { "\($0) \(TextTable.decimal($1))" }.joined(separator: ", ")
      }
      out += "descent (eigenvalue \(d.eigenvalue)): latent \(d.latent), decoder \(weights(d.decoder))"
      if let e = d.encoder { out += "; encoder \(weights(e))" }
      out += "\n"
    }
    return out
  }
}
