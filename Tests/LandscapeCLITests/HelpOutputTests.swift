import Foundation
import XCTest

/// The help text of a command, exactly, as swift-argument-parser's MathExampleTests check
/// theirs: a change to an option's name, default or wording shows up here.
final class HelpOutputTests: XCTestCase {
  func testSAELossHelp() throws {
    let run = try runLandscape(["sae-loss", "--help"], in: FileManager.default.temporaryDirectory)
    XCTAssertEqual(run.status, 0)
    XCTAssertEqual(String(decoding: run.stdout, as: UTF8.self), Self.saeLossHelp + "\n")
  }

  func testEveryOptionOfTrainIsDocumentedOnce() throws {
    let run = try runLandscape(["train", "--help"], in: FileManager.default.temporaryDirectory)
    let text = String(decoding: run.stdout, as: UTF8.self)
    for flag in [
      "--loss", "--steps", "--batch", "--lr", "--beta1", "--beta2", "--seed", "--dim", "--init ",
      "--init-noise", "--snap-at", "--biases", "--sampling", "--data", "--save", "--init-from",
      "--samples", "--json", "--trajectory ", "--plot", "--size",
    ] {
      let options = text.components(separatedBy: "OPTIONS:").last ?? ""
      let lines = options.split(separator: "\n").filter { $0.hasPrefix("  \(flag)") }
      XCTAssertEqual(lines.count, 1, "\(flag) in train --help")
    }
    // Enum options list their values.
    XCTAssertTrue(text.contains("--loss <loss>"), text)
    XCTAssertTrue(text.contains("--data <exact|counts|samples>"), text)
  }

  /// The overview names both halves of the tool (issue 21 item 23); minima's help defines
  /// its hedging ratio apart from an SAE latent's hedging mass.
  func testOverviewAndMinimaWords() throws {
    let folder = FileManager.default.temporaryDirectory
    let overview = String(decoding: try runLandscape(["--help"], in: folder).stdout, as: UTF8.self)
    XCTAssertTrue(overview.contains("OVERVIEW: Feature hedging in sparse autoencoders"), overview)
    XCTAssertTrue(overview.contains("SAEs with many latents"), overview)
    let minima = String(
      decoding: try runLandscape(["minima", "--help"], in: folder).stdout, as: UTF8.self)
    XCTAssertTrue(minima.contains("hedging ratio"), minima)
    XCTAssertTrue(minima.contains("hedging mass"), minima)
  }

  static let saeLossHelp = #"""
OVERVIEW: The exact expected losses and SAELens's synthetic metrics of an SAE
(an SAE file) on a case.

The SAE file is what `landscape train --save` writes (see README): our JSON
file, or SAELens's folder (cfg.json and sae_weights.safetensors) for a folder
or .safetensors path or --format saelens. On an enumerable toy (patterns or
hierarchy, and every single-latent case) the expectations are exact sums over
the patterns; on a sampled toy (correlated, or with drawn magnitudes) they are
estimated from --samples draws, and the output says so with standard errors.
The SAE's features must be the case's, in the same order.

Examples:
  landscape sae-loss cases/sae-untied-hierarchy.json --sae sae.json
  landscape sae-loss cases/single-latent-toy.json --sae sae.json --json
  landscape sae-loss cases/sae-untied-hierarchy.json --sae saelens-sae/

USAGE: landscape sae-loss <case-file> [--set <FIELD=VALUE> ...] --sae <SAE.json|DIR/> [--format <json|saelens>] [--samples <samples>] [--seed <seed>] [--features <FILE>] [--json]

ARGUMENTS:
  <case-file>             A case file (JSON): an SAE case, or a single-latent
                          case (its patterns).

OPTIONS:
  --set <FIELD=VALUE>     Replace (or add) a field of the case file before it
                          is read, checked as the file's own value:
                          sae.latents=8, correlated.correlation.strength=0.3,
                          train.loss=snap, patterns[1].probability=0.1. VALUE
                          is JSON when it parses, else a string. Repeatable.
  --sae <SAE.json|DIR/>   The SAE: a JSON file, or SAELens's folder (or its
                          .safetensors file).
  --format <json|saelens> The SAE files' format: json (our SAE file) or saelens
                          (a folder with cfg.json and sae_weights.safetensors);
                          by default saelens for a folder, a path ending in /
                          or a .safetensors file, json otherwise. (values:
                          json, saelens)
  --samples <samples>     Sampled toys: the number of samples of the estimate.
                          (default: 100000)
  --seed <seed>           Sampled toys: the random seed of the estimate's
                          samples, in 0...4294967295. (default: 1)
  --features <FILE>       The features' directions (feature_vectors [features,
                          d], and bias [d] if present, in a safetensors file
                          such as a synthetic model's
                          synthetic_model.safetensors): reads an SAELens SAE of
                          d_in d.
  --json                  Print JSON: mse, l2, sparsity, l0, exact, samples,
                          and SAELens's synthetic metrics (mcc, uniqueness,
                          explained_variance, shrinkage, dead_latents, true_l0,
                          precision, recall, f1, accuracy, absorption_gap and
                          absorption_gaps per parent-child edge).
  --version               Show the version.
  -h, --help              Show help information.

"""#
}
