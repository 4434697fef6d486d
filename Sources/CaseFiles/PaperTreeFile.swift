import Foundation
import ToyModels

/// The paper's tree file (chanind/feature-hedging-paper, hedging_paper/toy_models/
/// tree.schema.json, read by tree_feature_generator.py `TreeFeatureGenerator.from_json_dict`):
/// a node is an object with `active_prob` (required, in [0, 1]: P(on | parent on)),
/// `magnitude_mean` (1), `magnitude_std` (0), `id`, `mutually_exclusive_children` (false;
/// true needs two or more children), `is_read_out` (true: the node is a feature) and
/// `children`; no other key. Features are the read-out nodes in depth-first order
/// (`_init_indices`), named by `id` or `f<index>`.
///
/// The toy is the tree enumerated under the paper's rule (`FeatureTree`, rule paper): exact
/// when every `magnitude_std` is 0; otherwise each firing feature draws |N(mean, std^2)|, as
/// the paper's `_sample_magnitudes` does (`DrawnMagnitudes`, folded), and the toy is sampled.
public enum PaperTree {
  static let keys: Set<String> = [
    "active_prob", "magnitude_mean", "magnitude_std", "id", "mutually_exclusive_children",
    "is_read_out", "children",
  ]

  /// The toy of a tree file's bytes.
  /// - Throws: `FieldError` naming the node's path (`children[1].active_prob`).
  public static func toy(json data: Data) throws -> ToyModel {
    guard let root = try? JSONSerialization.jsonObject(with: data) else {
      throw FieldError(field: "json", value: "", reason: "is not valid JSON")
    }
    var names: [String] = []
    var means: [Double] = []
    var stds: [Double] = []
    func node(_ item: Any, _ path: String, depth: Int) throws -> FeatureTree.Node {
      guard depth < 1000 else {
        throw FieldError(field: path, value: "", reason: "is nested more than 1000 deep")
      }
      let o = try JSONObject(item, field: path)
      try o.allow(keys)
      guard let q = try o.number("active_prob", in: 0...1) else {
        throw FieldError(field: o.fieldPath("active_prob"), value: "", reason: "is required")
      }
      let mean = try o.number("magnitude_mean", in: -1e6...1e6) ?? 1
      let std = try o.number("magnitude_std", in: 0...1e6) ?? 0
      let readOut = try o.bool("is_read_out") ?? true
      var feature: Int?
      if readOut {
        feature = names.count
        means.append(mean)
        stds.append(std)
        names.append(try o.string("id") ?? "f\(names.count)")
      }
      let kids = try o.array("children") ?? []
      let exclusive = try o.bool("mutually_exclusive_children") ?? false
      if exclusive && kids.count < 2 {
        throw FieldError(
          field: o.fieldPath("mutually_exclusive_children"), value: "true",
          reason: "needs two or more children (\(kids.count))")
      }
      let children = try kids.enumerated().map {
        try node($1, "\(path).children[\($0)]", depth: depth + 1)
      }
      return FeatureTree.Node(
        feature: feature, probability: q, magnitude: mean, exclusiveChildren: exclusive,
        children: children)
    }
    let top = try node(root, "root", depth: 0)
    guard !names.isEmpty else {
      throw FieldError(field: "is_read_out", value: "", reason: "is false for every node: no feature")
    }
    if let twice = Set(names).count < names.count ? names.first(where: { n in names.filter { $0 == n }.count > 1 }) : nil {
      throw FieldError(field: "id", value: JSONObject.render(twice), reason: "is named twice")
    }
    let tree = try FeatureTree(rule: .paper, roots: [top], featureCount: names.count)
    let magnitudes = try MagnitudeDistribution(
      stds.contains { $0 > 0 } ? .folded : .fixed, means: means, stds: stds)
    return ToyModel(features: names, firing: try .patterns(tree.enumerate(), magnitudes: magnitudes))
  }
}
