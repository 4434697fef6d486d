import Foundation
import Landscape
import SparseAutoencoders
import Reports
import Training
import ToyModels

/// Training a tied single latent on a case (the cross-check of the exact landscape): what
/// `landscape train` does on a single-latent case, and `reproduce` for one with a train block.
public struct LatentCaseTraining: Sendable {
  public var source: LatentCase
  public var options: LatentTrainingPlan

  public init(_ source: LatentCase, options: LatentTrainingPlan) {
    self.source = source
    self.options = options
  }

  /// The most samples `sampling: samples` draws one by one (minutes, without progress
  /// inside a step).
  public static let sampleLimit = 1e10

  /// Trains; progress every 1% of the steps.
  /// - Throws: `FieldError` naming the case's fields (a plan the case cannot train, a run that
  ///   diverged); `CancellationError`.
  public func run(_ control: RunControl = .none) throws -> LatentTrainingReport {
    let o = options
    if o.sae.data == .samples && Double(o.sae.steps) * Double(o.sae.batch) > Self.sampleLimit {
      throw FieldError(
        flag: "--sampling", value: "samples",
        reason:
          "would draw \(o.sae.steps) x \(o.sae.batch) samples one by one (above 1e10): use --sampling counts, which is exact and fast"
      )
    }
    let label = "training \(source.name)"
    let result = try source.trainingRun(
      o, progress: { control.report($0.step, of: o.sae.steps, label) },
      isCancelled: control.isCancelled)
    if let step = result.divergedAt { throw o.sae.divergence(atStep: step) }
    return LatentTrainingReport(source, options: o, result: result)
  }
}

extension LatentTrainingReport {
  /// The trajectory as CSV: `step,t,loss,kind`, one row per recorded step.
  public var trajectoryCSV: String {
    var text = "step,t,loss,kind\n"
    for p in result.trajectory { text += "\(p.step),\(p.t),\(p.loss),\(p.kind.rawValue)\n" }
    return text
  }

  /// The text report: where the latent landed, its losses, how fast it trained.
  public var text: String {
    let c = source
    let o = options
    let r = result
    func list(_ v: [Double]) -> String {
      zip(c.features, v).map { "\($0) \($1)" }.joined(separator: ", ")
    }
    var out = "\(c.name): \(c.title)\n"
    var how = "\(o.sae.loss.rawValue.uppercased()) training"
    if o.sae.loss == .snap { how += " (L2 from step \(o.sae.switchStep))" }
    if o.sae.optimizer == .lbfgs {
      how +=
        ", lbfgs on the exact loss to gradient \(o.sae.gradientTolerance) x loss (at most \(o.sae.steps) iterations), seed \(o.sae.seed), d = \(r.dimension)"
    } else {
      how +=
        ", \(o.sae.steps) steps of \(o.sae.batch), lr \(o.sae.learningRate), seed \(o.sae.seed), d = \(r.dimension)"
    }
    if o.biases != .none { how += ", biases \(o.biases.rawValue)" }
    if o.sae.l1 > 0 { how += ", L1 \(o.sae.l1)" }
    if o.sae.data == .samples { how += ", every sample drawn" }
    out += how + "\n"
    out += "latent:         \(list(r.latent))\n"
    out += "t:              \(r.t) (cosine \(r.cosine))\n"
    out += "decoder bias:   \(r.decoderBias.map(list) ?? "none")\n"
    if let b = r.encoderBias { out += "encoder bias:   \(b)\n" }
    out +=
      "loss:           \(r.loss) (exact \(r.lossKind.rawValue.uppercased()) of the latent, case bias \(c.bias.kind.rawValue))\n"
    if o.biases != .none {
      out += "SAE loss:       \(r.saeLoss) (exact, with the learned biases)\n"
    }
    if let m = r.minimisation {
      out +=
        "lbfgs:          \(m.stop.rawValue.replacingOccurrences(of: "_", with: " ")) after \(m.iterations) iterations, gradient norm \(m.gradientNorm) (tolerance \(m.tolerance)), \(String(format: "%.3g", r.seconds)) s\n"
    } else {
      out +=
        "samples/second: \(String(format: "%.4g", r.samplesPerSecond)) (\(String(format: "%.3g", r.seconds)) s)\n"
    }
    return out
  }
}
