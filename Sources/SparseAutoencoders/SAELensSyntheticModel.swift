import Foundation
import Reports
import SafeTensors
import ToyModels

/// A toy in SAELens's synthetic model format: a folder with `synthetic_model_config.json`,
/// `synthetic_model.safetensors` and, with a hierarchy, `hierarchy.json`
/// (decoderesearch/SAELens 6.54, sae_lens/synthetic/synthetic_model.py `SyntheticModel.save`
/// and `load_from_disk`).
///
///     x = a F + bias                (feature_dictionary.py `FeatureDictionary.forward`)
///     a_i = relu(mean + std g) where feature i fires, 0 else   (activation_generator.py)
///
/// with `feature_vectors` F [num_features, hidden_dim], `bias` [hidden_dim],
/// `firing_probabilities` [num_features] and, for a gaussian copula, `correlation_factor`
/// [num_features, rank] and `correlation_diag` [num_features] (C = factor factor^T +
/// diag). Without a correlation, feature i draws Bernoulli(firing_probabilities[i]) and the
/// hierarchy (`FeatureTree`, rule saelens) switches off children of inactive parents and
/// keeps one of the active mutually exclusive siblings. SAELens 6.54 draws the magnitudes
/// before the hierarchy (`ActivationGenerator.sample`, then `modify_activations`; hierarchy/
/// modifier.py tests `> 0`): with `std_firing_magnitudes` above 0 a feature is active where
/// its Bernoulli fires and its relu magnitude is above 0, so the toy is the same tree at
/// probabilities p_i Phi(mean / std) with each active feature's magnitude the normal given it
/// is above 0 (`DrawnMagnitudes`, `MagnitudeDistribution` truncated): sampled. The magnitudes are not in the
/// weights: the loader generates them from the config's `mean_firing_magnitudes` and
/// `std_firing_magnitudes` (a number, or a generator).
///
/// SAELens's loader computes a correlated model's thresholds from the config's
/// `firing_probability` generator before it puts the saved probabilities in place, so the
/// saved ones do not reach correlated sampling: written here as `constant` with the first
/// feature's probability, the other features' rows of the factor scaled so that SAELens's
/// one threshold gives each its probability (all probabilities on one side of 1/2); read the
/// same way, a row's variance |factor_i|^2 + diag_i giving its feature's probability.
public struct SAELensSyntheticModel: Sendable, Hashable {
  public static let configFileName = "synthetic_model_config.json"
  public static let weightsFileName = "synthetic_model.safetensors"
  public static let hierarchyFileName = "hierarchy.json"

  /// SAELens's low-rank correlation: C = factor factor^T + diag(diagonal).
  public struct LowRank: Sendable, Hashable {
    public var factor: [[Double]]
    public var diagonal: [Double]
  }

  /// F rows of D values.
  public var featureVectors: [[Double]]
  /// D values.
  public var bias: [Double]
  public var firingProbabilities: [Double]
  public var correlation: LowRank?
  /// The probability the config's generator gives every feature (`constant`), from which
  /// SAELens computes a correlated model's thresholds; nil for another generator.
  public var thresholdProbability: Double?
  /// The hierarchy's trees; a node's probability is its feature's firing probability.
  public var roots: [FeatureTree.Node]
  public var meanMagnitude: Double
  public var stdMagnitude: Double
  /// The features' names where the hierarchy keeps them (`feature_id`).
  public var names: [String?]

  public var featureCount: Int { featureVectors.count }
  public var dimensions: Int { bias.count }

  // MARK: - From a toy

  /// The synthetic model of a toy: its features' directions are `basis` (n rows of d), or
  /// the unit vectors of R^n; the bias is 0.
  ///
  /// An enumerable toy, or one with drawn magnitudes (relu-clipped, one std), must be a
  /// SAELens hierarchy (`FeatureTree.saelens(from:)`: exact, or the one-line reason it is
  /// not); a correlated toy becomes the low-rank factors of its
  /// correlation matrix (`CorrelatedFiring.lowRankFactors`) and needs one firing
  /// probability for every feature (SAELens's thresholds, see the type's comment) and one
  /// magnitude.
  /// - Throws: `FieldError` naming what SAELens's format cannot express.
  public init(toy: ToyModel, droppedMass: Double = 0, basis: [[Double]]?) throws {
    let n = toy.features.count
    featureVectors = basis ?? (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    bias = [Double](repeating: 0, count: featureVectors.first?.count ?? n)
    stdMagnitude = 0
    names = toy.features
    let patterns: [WeightedPattern]
    // The share of a feature's Bernoulli draws SAELens keeps active (its relu magnitude > 0).
    var kept = 1.0
    switch toy.firing {
    case .enumerable(let p): patterns = p
    case .drawnMagnitudes(let drawn):
      patterns = drawn.patterns
      stdMagnitude = try Self.oneStd(drawn.distribution, shape: .truncated, field: "magnitude_std")
      kept = drawn.distribution.positive[0]
    case .correlated(let firing):
      // SAELens thresholds every feature at t = Phi^-1(1 - p_0) (one generated probability);
      // feature i's z is scaled by s_i = t / Phi^-1(1 - p_i) (its row of the factor and its
      // diagonal term by s_i and s_i^2), so that z_i > t fires with probability p_i, the
      // correlation unchanged.
      let t = firing.thresholds.first ?? 0
      for (i, ti) in firing.thresholds.enumerated() where !(ti == t || ti * t > 0) {
        throw FieldError(
          field: "correlated.probabilities[\(i)]", value: "\(firing.probabilities[i])",
          reason: "is on the other side of 1/2 from the first (\(firing.probabilities[0])): SAELens's one threshold cannot give both")
      }
      guard let m = firing.magnitudes.first, firing.magnitudes.allSatisfy({ $0 == m }), m > 0 else {
        throw FieldError(
          field: "correlated.magnitude", value: "",
          reason: "is not one number above 0 (SAELens's mean_firing_magnitudes)")
      }
      if !firing.magnitudeDistribution.isFixed {
        stdMagnitude = try Self.oneStd(
          firing.magnitudeDistribution, shape: .relu, field: "correlated.magnitude_std")
      }
      var (factor, diagonal) = firing.lowRankFactors()
      for i in factor.indices where firing.thresholds[i] != t {
        let s = t / firing.thresholds[i]
        factor[i] = factor[i].map { $0 * s }
        diagonal[i] *= s * s
      }
      firingProbabilities = firing.probabilities
      correlation = LowRank(factor: factor, diagonal: diagonal)
      thresholdProbability = firing.probabilities[0]
      roots = []
      meanMagnitude = m
      return
    }
    let (tree, magnitude) = try FeatureTree.saelens(
      from: patterns, names: toy.features, dropped: droppedMass)
    var p = [Double](repeating: 0, count: n)
    func collect(_ node: FeatureTree.Node) {
      if let f = node.feature { p[f] = node.probability }
      node.children.forEach(collect)
    }
    tree.roots.forEach(collect)
    for i in tree.independent { p[i.feature] = i.probability }
    for i in 0..<n where kept < 1 {
      p[i] /= kept
      guard p[i] <= 1 else {
        throw FieldError(
          field: "probabilities", value: "",
          reason: "\(toy.features[i]) is active with P \(p[i] * kept), above the \(kept) of its draws SAELens keeps (P(mean + std g > 0))")
      }
    }
    firingProbabilities = p
    // Features in no tree become childless roots (drawn alone, as SAELens draws a feature
    // outside its hierarchy), so that hierarchy.json keeps every feature's name.
    roots = tree.roots + tree.independent.map {
      FeatureTree.Node(feature: $0.feature, probability: $0.probability, magnitude: magnitude)
    }
    meanMagnitude = magnitude
    correlation = nil
    thresholdProbability = nil
  }

  /// The one std of SAELens's `std_firing_magnitudes` (its normal, relu-clipped on a
  /// correlated toy, `shape` relu, or kept where positive under a hierarchy, `shape`
  /// truncated), or the one-line reason a distribution is not that.
  private static func oneStd(
    _ spread: MagnitudeDistribution, shape: MagnitudeDistribution.Shape, field: String
  ) throws -> Double {
    guard spread.shape == shape, let s = spread.stds.first, spread.stds.allSatisfy({ $0 == s })
    else {
      throw FieldError(
        field: field, value: "",
        reason: spread.shape == shape
          ? "is not one std for every feature (SAELens's std_firing_magnitudes)"
          : "draws \(spread.shape.rawValue) magnitudes: SAELens's are \(shape.rawValue) here (a normal \(shape == .relu ? "clipped at 0" : "given it is above 0"))")
    }
    return s
  }

  // MARK: - Writing

  /// The files' bytes: the config, the weights (`dtype` F32, SAELens's default, or F64) and
  /// hierarchy.json (nil without a hierarchy).
  public func files(dtype: SafeTensor.DType) throws -> (config: Data, weights: Data, hierarchy: Data?)
  {
    guard dtype == .f32 || dtype == .f64 else {
      throw FieldError(field: "dtype", value: dtype.rawValue, reason: "is not written (F32 or F64)")
    }
    let (f, d) = (featureCount, dimensions)
    var tensors = [
      SafeTensor(name: "feature_vectors", dtype: dtype, shape: [f, d], values: featureVectors.flatMap { $0 }),
      SafeTensor(name: "bias", dtype: dtype, shape: [d], values: bias),
      SafeTensor(name: "firing_probabilities", dtype: dtype, shape: [f], values: firingProbabilities),
    ]
    if let c = correlation {
      let rank = c.factor.first?.count ?? 0
      tensors.append(
        SafeTensor(name: "correlation_factor", dtype: dtype, shape: [f, rank], values: c.factor.flatMap { $0 }))
      tensors.append(SafeTensor(name: "correlation_diag", dtype: dtype, shape: [f], values: c.diagonal))
    }
    let weights = try SafeTensorsFile(tensors: tensors).data()
    // The generator is SAELens's `constant` (firing_probabilities.py
    // `ConstantFiringProbabilityConfig`); the loader replaces what it generates by the saved
    // probabilities (but for a correlated model's thresholds).
    let config: [String: Any] = [
      "num_features": f, "hidden_dim": d,
      "firing_probability": [
        "generator_name": "constant",
        "probability": thresholdProbability ?? firingProbabilities.first ?? 0,
      ],
      "hierarchy": NSNull(), "orthogonalization": NSNull(), "correlation": NSNull(),
      "std_firing_magnitudes": stdMagnitude, "mean_firing_magnitudes": meanMagnitude,
      "bias": false, "dtype": dtype == .f32 ? "float32" : "float64", "seed": NSNull(),
    ]
    var configData = try JSONSerialization.data(
      withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    configData.append(UInt8(ascii: "\n"))
    guard !roots.isEmpty else { return (configData, weights, nil) }
    // hierarchy.py `Hierarchy.to_dict`: {"roots": [node]}, each node its feature_index,
    // mutually_exclusive_children, scale_children_by_parent, feature_id, children.
    func node(_ n: FeatureTree.Node) -> [String: Any] {
      [
        "feature_index": n.feature.map { $0 as Any } ?? NSNull(),
        "mutually_exclusive_children": n.exclusiveChildren,
        "scale_children_by_parent": false,
        "feature_id": n.feature.flatMap { names[$0] }.map { $0 as Any } ?? NSNull(),
        "children": n.children.map(node),
      ]
    }
    var hierarchy = try JSONSerialization.data(
      withJSONObject: ["roots": roots.map(node)], options: [.prettyPrinted, .sortedKeys])
    hierarchy.append(UInt8(ascii: "\n"))
    return (configData, weights, hierarchy)
  }

  // MARK: - Reading

  /// The most values of `feature_vectors` read (F x D).
  public static let maxValues = 50_000_000

  /// A synthetic model from its files' bytes.
  /// - Parameters:
  ///   - hierarchy: hierarchy.json's bytes, nil when the folder has none.
  ///   - weightsSource: the weights file's path, named in errors about it.
  /// - Throws: `FieldError` naming the field or tensor: a missing or malformed field, a size
  ///   or shape that does not match, a value not finite, a probability outside [0, 1], a
  ///   hierarchy that is not a forest of distinct features, or what is not read here
  ///   (generated magnitudes, a hierarchy or correlation the loader
  ///   would generate, `scale_children_by_parent`).
  public init(config: Data, weights: Data, hierarchy: Data?, weightsSource: String) throws {
    guard let cfg = (try? JSONSerialization.jsonObject(with: config)) as? [String: Any] else {
      throw FieldError(field: Self.configFileName, value: "", reason: "is not one JSON object")
    }
    func size(_ key: String) throws -> Int {
      guard let v = Self.number(cfg[key]), let n = Int(exactly: v), (1...1_000_000).contains(n)
      else {
        throw FieldError(
          field: key, value: cfg[key].map { "\($0)" } ?? "", reason: "is not an integer in 1...1000000")
      }
      return n
    }
    let f = try size("num_features")
    let d = try size("hidden_dim")
    guard f * d <= Self.maxValues else {
      throw FieldError(
        field: "num_features", value: "\(f)",
        reason: "times hidden_dim \(d) is above \(Self.maxValues) values: not read")
    }
    func magnitude(_ key: String, default value: Double) throws -> Double {
      guard let v = cfg[key], !(v is NSNull) else { return value }
      if let n = Self.number(v), n.isFinite { return n }
      if let g = v as? [String: Any], g["generator_name"] as? String == "constant" {
        guard let n = Self.number(g["value"]), n.isFinite else {
          throw FieldError(field: "\(key).value", value: "", reason: "is not a finite number")
        }
        return n
      }
      throw FieldError(
        field: key, value: "",
        reason: "is not a number or a constant generator (other generators are not read here)")
    }
    meanMagnitude = try magnitude("mean_firing_magnitudes", default: 1)
    stdMagnitude = try magnitude("std_firing_magnitudes", default: 0)
    guard meanMagnitude > 0 else {
      throw FieldError(
        field: "mean_firing_magnitudes", value: "\(meanMagnitude)",
        reason: "is not above 0: SAELens's relu makes every magnitude 0")
    }
    guard stdMagnitude >= 0 else {
      throw FieldError(
        field: "std_firing_magnitudes", value: "\(stdMagnitude)", reason: "is below 0")
    }
    if let g = cfg["firing_probability"] as? [String: Any], g["generator_name"] as? String == "constant",
      let p = Self.number(g["probability"])
    {
      thresholdProbability = p
    } else {
      thresholdProbability = nil
    }

    let file = try SafeTensorsFile(data: weights, source: weightsSource)
    func tensor(_ name: String, _ shape: [Int]?) throws -> SafeTensor {
      guard let t = file[name] else {
        throw FieldError(field: name, value: "", reason: "missing from \(Self.weightsFileName)")
      }
      if let shape, t.shape != shape {
        throw FieldError(
          field: name, value: "shape \(t.shape)",
          reason: "is not \(shape) (num_features \(f), hidden_dim \(d))")
      }
      for (i, v) in t.values.enumerated() where !v.isFinite {
        throw FieldError(field: "\(name)[\(i)]", value: "\(v)", reason: "is not a finite number")
      }
      return t
    }
    let vectors = try tensor("feature_vectors", [f, d]).values
    featureVectors = (0..<f).map { i in Array(vectors[(i * d)..<((i + 1) * d)]) }
    bias = try tensor("bias", [d]).values
    firingProbabilities = try tensor("firing_probabilities", [f]).values
    for (i, p) in firingProbabilities.enumerated() where !(p >= 0 && p <= 1) {
      throw FieldError(field: "firing_probabilities[\(i)]", value: "\(p)", reason: "is not in [0, 1]")
    }
    if file["correlation_factor"] != nil || file["correlation_diag"] != nil {
      let factor = try tensor("correlation_factor", nil)
      guard factor.shape.count == 2, factor.shape[0] == f, (1...f).contains(factor.shape[1]) else {
        throw FieldError(
          field: "correlation_factor", value: "shape \(factor.shape)",
          reason: "is not [\(f), rank] with rank in 1...\(f)")
      }
      let rank = factor.shape[1]
      let diagonal = try tensor("correlation_diag", [f]).values
      correlation = LowRank(
        factor: (0..<f).map { i in Array(factor.values[(i * rank)..<((i + 1) * rank)]) },
        diagonal: diagonal)
    } else {
      correlation = nil
      if let c = cfg["correlation"], !(c is NSNull) {
        throw FieldError(
          field: "correlation", value: "",
          reason: "is configured but the weights have no correlation_factor: SAELens would generate one from its seed")
      }
    }

    var names = [String?](repeating: nil, count: f)
    if let hierarchy {
      guard let object = (try? JSONSerialization.jsonObject(with: hierarchy)) as? [String: Any],
        let list = object["roots"] as? [Any]
      else {
        throw FieldError(field: Self.hierarchyFileName, value: "", reason: "is not an object with roots")
      }
      let probabilities = firingProbabilities
      let mean = meanMagnitude
      func node(_ item: Any, _ path: String, depth: Int) throws -> FeatureTree.Node {
        guard depth < 1000 else {
          throw FieldError(field: path, value: "", reason: "is nested more than 1000 deep")
        }
        guard let o = item as? [String: Any] else {
          throw FieldError(field: path, value: "", reason: "is not an object")
        }
        var feature: Int?
        if let v = o["feature_index"], !(v is NSNull) {
          guard let n = Self.number(v), let i = Int(exactly: n), (0..<f).contains(i)
          else {
            throw FieldError(
              field: "\(path).feature_index", value: "\(v)", reason: "is not an integer in 0..<\(f)")
          }
          feature = i
        }
        for key in ["mutually_exclusive_children", "scale_children_by_parent"] {
          if let v = o[key], !(v is NSNull), Self.bool(v) == nil {
            throw FieldError(field: "\(path).\(key)", value: "\(v)", reason: "is not true or false")
          }
        }
        if Self.bool(o["scale_children_by_parent"]) == true {
          throw FieldError(
            field: "\(path).scale_children_by_parent", value: "true",
            reason: "is not read here (children's magnitudes scaled by their parent's)")
        }
        if let feature, let id = (o["feature_id"] ?? o["id"]) as? String { names[feature] = id }
        let kids = o["children"] ?? []
        guard let children = kids as? [Any] else {
          throw FieldError(field: "\(path).children", value: "", reason: "is not a list")
        }
        return FeatureTree.Node(
          feature: feature, probability: feature.map { probabilities[$0] } ?? 1,
          magnitude: mean,
          exclusiveChildren: Self.bool(o["mutually_exclusive_children"]) ?? false,
          children: try children.enumerated().map { try node($1, "\(path).children[\($0)]", depth: depth + 1) })
      }
      roots = try list.enumerated().map { try node($1, "\(Self.hierarchyFileName): roots[\($0)]", depth: 0) }
      if correlation != nil && !roots.isEmpty {
        throw FieldError(
          field: Self.hierarchyFileName, value: "",
          reason: "with a correlation is not read here (a correlated toy has no hierarchy)")
      }
    } else {
      roots = []
      if let h = cfg["hierarchy"] as? [String: Any], (Self.number(h["total_root_nodes"]) ?? 1) > 0 {
        throw FieldError(
          field: "hierarchy", value: "",
          reason: "is configured but the folder has no \(Self.hierarchyFileName): SAELens would generate one from its seed")
      }
    }
    self.names = names
    if correlation != nil {
      guard let p = thresholdProbability, (0..<1).contains(p), p > 0 else {
        throw FieldError(
          field: "firing_probability", value: "",
          reason: "is not a constant generator with a probability in (0, 1): SAELens's correlated thresholds come from it")
      }
    }
  }

  /// A JSON number (not a boolean), or nil.
  static func number(_ v: Any?) -> Double? {
    guard let n = v as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
    return n.doubleValue
  }

  /// A JSON boolean, or nil.
  static func bool(_ v: Any?) -> Bool? {
    guard let n = v as? NSNumber, String(cString: n.objCType) == "c" else { return nil }
    return n.boolValue
  }

  /// The toy: features named by the hierarchy's `feature_id` where it has one, `f<i>`
  /// otherwise (or `names`); an enumerated hierarchy (with drawn magnitudes, sampled, when
  /// `std_firing_magnitudes` is above 0), or a correlated toy (sampled).
  /// - Throws: `FieldError` for a hierarchy with a feature twice or too many patterns, or a
  ///   correlation that is not positive definite.
  public func toy(names given: [String]? = nil) throws -> ToyModel {
    let f = featureCount
    let features = given ?? (0..<f).map { names[$0] ?? "f\($0)" }
    if let c = correlation {
      let firing = try CorrelatedFiring.lowRank(
        factor: c.factor, diagonal: c.diagonal,
        thresholdProbabilities: [Double](repeating: thresholdProbability ?? 0, count: f),
        magnitudes: try MagnitudeDistribution(
          stdMagnitude > 0 ? .relu : .fixed, means: [Double](repeating: meanMagnitude, count: f),
          stds: [Double](repeating: stdMagnitude, count: f)))
      return ToyModel(features: features, firing: .correlated(firing))
    }
    var inTree = Set<Int>()
    func collect(_ node: FeatureTree.Node) {
      if let i = node.feature { inTree.insert(i) }
      node.children.forEach(collect)
    }
    roots.forEach(collect)
    // With drawn magnitudes SAELens keeps a feature active where its Bernoulli fires and its
    // relu magnitude is above 0 (independent, P = p Phi(mean / std)), then applies the
    // hierarchy to the active features: the same tree at those probabilities, each active
    // feature's magnitude the normal given it is above 0 (`MagnitudeDistribution`,
    // truncated).
    let magnitudes = try MagnitudeDistribution(
      stdMagnitude > 0 ? .truncated : .fixed, means: [Double](repeating: meanMagnitude, count: f),
      stds: [Double](repeating: stdMagnitude, count: f))
    let kept = magnitudes.positive[0]
    func active(_ node: FeatureTree.Node) -> FeatureTree.Node {
      var n = node
      if n.feature != nil { n.probability *= kept }
      n.children = n.children.map(active)
      return n
    }
    let independent = (0..<f).filter { !inTree.contains($0) }.map {
      HierarchyToy.Independent(
        feature: $0, probability: firingProbabilities[$0] * kept, magnitude: meanMagnitude)
    }
    let tree = try FeatureTree(
      rule: .saelens, roots: roots.map(active), featureCount: f, independent: independent)
    return ToyModel(features: features, firing: try .patterns(tree.enumerate(), magnitudes: magnitudes))
  }
}

/// The features' directions of an SAE trained on a SAELens synthetic model: `feature_vectors`
/// [n, d] and, when present, `bias` [d] of a safetensors file (the model's
/// synthetic_model.safetensors, or any file with those tensors).
public struct FeatureDirections: Sendable, Hashable {
  /// n rows of d values.
  public var vectors: [[Double]]
  /// d values (0 when the file has no `bias`).
  public var bias: [Double]

  /// - Parameters: features: n, the case's number of features.
  /// - Throws: `FieldError` naming the tensor: missing, of the wrong shape, not finite, or
  ///   vectors that are not linearly independent.
  public init(safetensors data: Data, source: String, features n: Int) throws {
    let file = try SafeTensorsFile(data: data, source: source)
    guard let v = file["feature_vectors"] else {
      throw FieldError(field: "feature_vectors", value: "", reason: "missing from \(source)")
    }
    guard v.shape.count == 2, v.shape[0] == n, v.shape[1] >= n else {
      throw FieldError(
        field: "feature_vectors", value: "shape \(v.shape)",
        reason: "is not [\(n), d] with d >= \(n) (the case's \(n) features)")
    }
    let d = v.shape[1]
    for (i, x) in v.values.enumerated() where !x.isFinite {
      throw FieldError(field: "feature_vectors[\(i)]", value: "\(x)", reason: "is not a finite number")
    }
    vectors = (0..<n).map { i in Array(v.values[(i * d)..<((i + 1) * d)]) }
    if let b = file["bias"] {
      guard b.shape == [d] else {
        throw FieldError(field: "bias", value: "shape \(b.shape)", reason: "is not [\(d)]")
      }
      for (i, x) in b.values.enumerated() where !x.isFinite {
        throw FieldError(field: "bias[\(i)]", value: "\(x)", reason: "is not a finite number")
      }
      bias = b.values
    } else {
      bias = [Double](repeating: 0, count: d)
    }
    guard Self.outsideSpan(vectors[0], of: vectors) != nil else {
      throw FieldError(
        field: "feature_vectors", value: "", reason: "are not linearly independent")
    }
  }

  /// The part of `x` outside the span of `vectors`: x - V^T c with (V V^T) c = V x (least
  /// squares, Gaussian elimination with partial pivoting); nil when V V^T is singular.
  public static func outsideSpan(_ x: [Double], of vectors: [[Double]]) -> [Double]? {
    let n = vectors.count
    var m = (0..<n).map { i in (0..<n).map { j in zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 } } }
    var r = vectors.map { v in zip(v, x).reduce(0) { $0 + $1.0 * $1.1 } }
    let scale = m.indices.map { m[$0][$0] }.max() ?? 1
    for col in 0..<n {
      guard let pivot = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }),
        abs(m[pivot][col]) > 1e-12 * scale
      else { return nil }
      m.swapAt(col, pivot)
      r.swapAt(col, pivot)
      for row in (col + 1)..<n {
        let f = m[row][col] / m[col][col]
        for k in col..<n { m[row][k] -= f * m[col][k] }
        r[row] -= f * r[col]
      }
    }
    var c = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var s = r[row]
      for k in (row + 1)..<n { s -= m[row][k] * c[k] }
      c[row] = s / m[row][row]
    }
    var out = x
    for (i, v) in vectors.enumerated() { for k in out.indices { out[k] -= c[i] * v[k] } }
    return out
  }

  /// The SAE evaluated on inputs x + bias as an SAE on x: its decoder bias less `bias`
  /// (a = W_enc (x + bias - b_dec) + b_enc and x + bias - xhat depend on b_dec - bias only).
  public func unbiased(_ sae: SAE) -> SAE {
    var s = sae
    s.decoderBias = zip(sae.decoderBias, bias).map { $0 - $1 }
    return s
  }
}
