import Foundation
import Landscape
import SparseAutoencoders
import ToyModels

extension SAECase {
  /// Parses and validates an SAE case from JSON.
  ///
  /// Required: `features` (names), exactly one toy model (`patterns`, `hierarchy` or
  /// `correlated`) and `sae`. Optional: `name`, `title`, `train`, `expect`, `grow`,
  /// `balance_sweep`.
  /// - Throws: `FieldError` naming the bad field (`hierarchy.groups[0].parent_probability`).
  public init(json data: Data, defaultName: String = "case") throws {
    try self.init(CaseDocument.root(data), defaultName: defaultName)
  }

  /// An SAE case from a case file's top-level object.
  init(_ object: JSONObject, defaultName: String) throws {
    try object.allow([
      "name", "title", "features", "patterns", "hierarchy", "correlated", "sae", "train", "expect",
      "ensemble", "grow", "balance_sweep", "study", "synthetic_model", "tree",
    ])
    let name = try object.string("name") ?? defaultName
    if object.has("name") { try LatentCase.checkCaseName(name) }
    let title = try object.string("title") ?? name
    // A toy read from a file: SAELens's synthetic model or the paper's tree; the features
    // are named by it unless the case names them.
    let fileToy = try Self.fileToy(object)
    let features =
      object.has("features") || fileToy == nil ? try LatentCase.features(object) : fileToy!.features
    if let fileToy, fileToy.features.count != features.count {
      throw FieldError(
        field: "features", value: "",
        reason: "names \(features.count) features, the toy file has \(fileToy.features.count)")
    }
    guard !features.isEmpty else {
      throw FieldError(field: "features", value: "[]", reason: "is empty")
    }
    if let twice = Self.firstRepeated(features) {
      throw FieldError(field: "features", value: JSONObject.render(twice), reason: "is named twice")
    }
    let index = Dictionary(features.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let toys = ["patterns", "hierarchy", "correlated", "synthetic_model", "tree"].filter { object.has($0) }
    guard toys.count == 1 else {
      throw FieldError(
        field: toys.isEmpty ? "patterns" : toys.joined(separator: ", "), value: "",
        reason: "an SAE case needs exactly one toy model: patterns, hierarchy, correlated, synthetic_model or tree")
    }
    var dropped = 0.0
    var toy: ToyModel
    switch toys[0] {
    case "synthetic_model", "tree":
      toy = fileToy!
      toy.features = features
    case "patterns":
      // Explicit patterns, checked as a single-latent case's; "nothing fires" gets the
      // leftover mass.
      let patterns = try LatentCase.patterns(object.array("patterns")!, features: features, index: index)
      try LatentCase.validate(patterns: patterns, features: features)
      toy = ToyModel(features: features, patterns: patterns)
    case "hierarchy":
      (toy, dropped) = try Self.hierarchyToy(
        object.object("hierarchy")!, features: features, index: index)
    default:
      toy = try Self.correlatedToy(object.object("correlated")!, features: features)
    }
    let architecture = try Self.architecture(
      try object.object("sae") ?? JSONObject([String: Any](), field: "sae"), features: features,
      index: index)
    let plan = try Self.plan(object.object("train"), sampled: toy.patterns == nil)
    if let d = plan.dimension, d < features.count {
      throw FieldError(
        field: "train.dim", value: "\(d)",
        reason: "is below the number of features (\(features.count))")
    }
    let expectations = try (object.objects("expect") ?? []).map {
      try Self.expectation($0, architecture: architecture, features: features, index: index)
    }
    self.init(
      name: name, title: title, features: features, toy: toy, droppedMass: dropped,
      architecture: architecture, plan: plan, expectations: expectations)
    ensemble = try Self.ensembleSpec(object.object("ensemble"), toy: toy)
    growth = try object.object("grow").map {
      try Self.growth($0, architecture: architecture, correlated: toy.isCorrelated)
    }
    balanceSweep = try Self.balanceSweep(object.object("balance_sweep"), architecture: architecture)
  }

  /// The toy of `synthetic_model` (SAELens's folder) or `tree` (the paper's tree file), paths
  /// relative to the current folder; nil when the case has neither.
  static func fileToy(_ object: JSONObject) throws -> ToyModel? {
    if let folder = try object.string("synthetic_model") {
      let dir = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
      func read(_ name: String) throws -> Data {
        try InputFile.contents(of: dir + "/" + name, field: "synthetic_model", kind: .input)
      }
      let hierarchyPath = dir + "/" + SAELensSyntheticModel.hierarchyFileName
      let hierarchy =
        FileManager.default.fileExists(atPath: hierarchyPath)
        ? try read(SAELensSyntheticModel.hierarchyFileName) : nil
      do {
        let model = try SAELensSyntheticModel(
          config: try read(SAELensSyntheticModel.configFileName),
          weights: try read(SAELensSyntheticModel.weightsFileName), hierarchy: hierarchy,
          weightsSource: dir + "/" + SAELensSyntheticModel.weightsFileName)
        return try model.toy()
      } catch let e as FieldError where e.field != "synthetic_model" {
        throw e.within("synthetic_model")
      }
    }
    if let path = try object.string("tree") {
      let data = try InputFile.contents(of: path, field: "tree", kind: .input)
      do {
        return try PaperTree.toy(json: data)
      } catch let e as FieldError {
        throw e.within("tree")
      }
    }
    return nil
  }

  static func firstRepeated(_ names: [String]) -> String? {
    var seen = Set<String>()
    return names.first { !seen.insert($0).inserted }
  }

  /// `hierarchy`: groups of a parent and its children, independent features; enumerated,
  /// or sampled when `magnitude_std` (one number or one per feature) draws the magnitudes
  /// around each feature's magnitude (`magnitude_distribution`, relu by default, as a
  /// correlated toy's), each firing feature's after the firing pattern.
  static func hierarchyToy(_ h: JSONObject, features: [String], index: [String: Int]) throws
    -> (ToyModel, Double)
  {
    try h.allow([
      "groups", "independent", "magnitude", "cutoff", "magnitude_std", "magnitude_distribution",
    ])
    let magnitude = try h.number("magnitude", in: -1e6...1e6) ?? 1
    let cutoff = try h.number("cutoff", in: 0...1e-3) ?? 0
    var groups: [HierarchyToy.Group] = []
    for g in try h.objects("groups") ?? [] {
      try g.allow([
        "parent", "parent_probability", "children", "child_probability", "children_exclusive",
        "parent_fires_alone", "magnitude",
      ])
      guard let parent = try g.feature("parent", index, features: features) else {
        throw FieldError(field: g.fieldPath("parent"), value: "", reason: "is required")
      }
      guard let pParent = try g.number("parent_probability", in: 0...1) else {
        throw FieldError(field: g.fieldPath("parent_probability"), value: "", reason: "is required")
      }
      let m = try g.number("magnitude", in: -1e6...1e6) ?? magnitude
      let names = try g.array("children") ?? []
      let children = try names.enumerated().map { i, item -> Int in
        guard let s = item as? String, let f = index[s] else {
          throw FieldError(
            field: "\(g.fieldPath("children"))[\(i)]", value: JSONObject.render(item),
            reason: "is not a feature (features: \(listForMessage(features)))")
        }
        return f
      }
      let pChild = try g.numberOrList("child_probability", count: children.count, in: 0...1)
      guard pChild.count == children.count else {
        throw FieldError(
          field: g.fieldPath("child_probability"), value: "",
          reason:
            "needs one probability per child (\(children.count)), or one number for all")
      }
      groups.append(
        HierarchyToy.Group(
          parent: parent, probability: pParent, magnitude: m,
          children: zip(children, pChild).map {
            HierarchyToy.Child(feature: $0, probability: $1, magnitude: m)
          },
          exclusiveChildren: try g.bool("children_exclusive") ?? true,
          parentFiresAlone: try g.bool("parent_fires_alone") ?? true))
    }
    var independent: [HierarchyToy.Independent] = []
    for f in try h.objects("independent") ?? [] {
      try f.allow(["feature", "probability", "magnitude"])
      guard let i = try f.feature("feature", index, features: features) else {
        throw FieldError(field: f.fieldPath("feature"), value: "", reason: "is required")
      }
      guard let p = try f.number("probability", in: 0...1) else {
        throw FieldError(field: f.fieldPath("probability"), value: "", reason: "is required")
      }
      independent.append(
        HierarchyToy.Independent(
          feature: i, probability: p,
          magnitude: try f.number("magnitude", in: -1e6...1e6) ?? magnitude))
    }
    // Each feature's magnitude (the mean of a drawn one): its group's, or its own.
    var means = [Double](repeating: magnitude, count: features.count)
    for g in groups {
      means[g.parent] = g.magnitude
      for c in g.children { means[c.feature] = c.magnitude }
    }
    for i in independent { means[i.feature] = i.magnitude }
    let distribution = try Self.magnitudeDistribution(h, means: means, block: "hierarchy")
    let enumerated: HierarchyToy.Enumeration
    do {
      let toy = try HierarchyToy(
        featureCount: features.count, groups: groups, independent: independent)
      enumerated = try toy.enumerate(cutoff: cutoff)
    } catch let e as FieldError {
      throw FieldError(field: "hierarchy", value: "", reason: "is not a valid toy: \(e)")
    }
    let firing = try ToyModel.Firing.patterns(enumerated.patterns, magnitudes: distribution)
    return (ToyModel(features: features, firing: firing), enumerated.droppedMass)
  }

  /// `correlated`: gaussian thresholds with a given or seeded correlation matrix; sampled.
  ///
  /// `magnitude` (number or one per feature, default 1) is each feature's magnitude, or its
  /// mean when `magnitude_std` (number or one per feature, default 0) is above 0; then
  /// `magnitude_distribution` (`relu`, the default, as the paper's `get_training_batch` and
  /// SAELens; or `folded`, as the paper's tree format; `fixed` needs every std 0) says how a
  /// normal draw becomes a magnitude (`MagnitudeDistribution`).
  static func correlatedToy(_ c: JSONObject, features: [String]) throws -> ToyModel {
    try c.allow([
      "probabilities", "correlation", "magnitude", "magnitude_std", "magnitude_distribution",
    ])
    let n = features.count
    let probabilities = try c.numberOrList("probabilities", count: n, in: 0...1)
    guard probabilities.count == n else {
      throw FieldError(
        field: "correlated.probabilities", value: "",
        reason: "needs one probability per feature (\(n)), or one number for all")
    }
    for (i, p) in probabilities.enumerated() where !(p > 0 && p < 1) {
      throw FieldError(
        field: "correlated.probabilities[\(i)]", value: "\(p)", reason: "is not in (0, 1)")
    }
    var means = try c.numberOrList("magnitude", count: n, in: -1e6...1e6)
    if !c.has("magnitude") { means = [Double](repeating: 1, count: n) }
    guard means.count == n else {
      throw FieldError(
        field: "correlated.magnitude", value: "",
        reason: "needs one magnitude per feature (\(n)), or one number for all")
    }
    let distribution = try Self.magnitudeDistribution(c, means: means, block: "correlated")
    guard let r = try c.object("correlation") else {
      throw FieldError(field: "correlated.correlation", value: "", reason: "is required")
    }
    try r.allow(["matrix", "seed", "main", "strength"])
    let matrix: [[Double]]
    if let rows = try r.array("matrix") {
      guard !r.has("seed") && !r.has("main") && !r.has("strength") else {
        throw FieldError(
          field: "correlated.correlation", value: "",
          reason: "gives a matrix or a seed with main and strength, not both")
      }
      matrix = try rows.enumerated().map { i, row in
        guard let a = row as? [Any], a.count == n else {
          throw FieldError(
            field: "correlated.correlation.matrix[\(i)]", value: "",
            reason: "is not a row of \(n) numbers")
        }
        return try a.enumerated().map { j, v in
          guard let x = JSONObject.numberValue(v), x.isFinite, abs(x) <= 1 else {
            throw FieldError(
              field: "correlated.correlation.matrix[\(i)][\(j)]", value: JSONObject.render(v),
              reason: "is not a number in [-1, 1]")
          }
          return x
        }
      }
      guard matrix.count == n else {
        throw FieldError(
          field: "correlated.correlation.matrix", value: "", reason: "does not have \(n) rows")
      }
    } else {
      let seed = try r.integer("seed", in: 0...Int(UInt32.max)) ?? 1
      let main = try r.integer("main", in: 0...n) ?? 0
      let strength = try r.number("strength", in: 0...1) ?? 0.5
      matrix = CorrelatedFiring.randomCorrelation(
        features: n, main: main, strength: strength, seed: UInt64(seed))
    }
    do {
      let firing = try CorrelatedFiring(
        probabilities: probabilities, magnitudes: distribution, correlation: matrix)
      return ToyModel(features: features, firing: .correlated(firing))
    } catch let e as FieldError {
      throw FieldError(field: "correlated", value: "", reason: "is not a valid toy: \(e)")
    }
  }

  /// A toy block's `magnitude_std` and `magnitude_distribution` around the features'
  /// magnitudes `means` (`block` names the block in errors).
  static func magnitudeDistribution(_ c: JSONObject, means: [Double], block: String) throws
    -> MagnitudeDistribution
  {
    let n = means.count
    var stds = try c.numberOrList("magnitude_std", count: n, in: 0...1e6)
    if !c.has("magnitude_std") { stds = [Double](repeating: 0, count: n) }
    guard stds.count == n else {
      throw FieldError(
        field: "\(block).magnitude_std", value: "",
        reason: "needs one std per feature (\(n)), or one number for all")
    }
    var shape = MagnitudeDistribution.Shape.relu
    if let word = try c.string("magnitude_distribution") {
      guard let s = MagnitudeDistribution.Shape(rawValue: word) else {
        throw FieldError(
          field: "\(block).magnitude_distribution", value: JSONObject.render(word),
          reason: "is not one of fixed, relu, folded, truncated")
      }
      shape = s
    } else if stds.allSatisfy({ $0 == 0 }) {
      shape = .fixed
    }
    do {
      return try MagnitudeDistribution(shape, means: means, stds: stds)
    } catch let e as FieldError {
      throw e.renamed("\(block).\(e.field)")
    }
  }

  /// The `sae` block: `latents`, `tied`, `activation`, `top_k`, `matryoshka`, `balance`,
  /// `l1_per_prefix` (default false; true only with two or more prefixes), `init`.
  static func architecture(_ s: JSONObject, features: [String], index: [String: Int]) throws
    -> SAEArchitecture
  {
    try s.allow([
      "latents", "tied", "activation", "top_k", "matryoshka", "balance", "l1_per_prefix", "init",
      "init_noise",
    ])
    guard let k = try s.integer("latents", in: 1...10_000) else {
      throw FieldError(field: "sae.latents", value: "", reason: "is required")
    }
    var a = SAEArchitecture(latents: k, tied: try s.bool("tied") ?? false)
    if let name = try s.string("activation") {
      guard let kind = SAEArchitecture.ActivationKind(rawValue: name) else {
        throw FieldError(
          field: "sae.activation", value: JSONObject.render(name),
          reason: "is not one of relu, topk, batchtopk")
      }
      a.activation = kind
    }
    a.topK = try s.integer("top_k", in: 1...k)
    if a.activation != .relu && a.topK == nil {
      throw FieldError(
        field: "sae.top_k", value: "", reason: "is required by \(a.activation.rawValue)")
    }
    if a.activation == .relu && a.topK != nil {
      throw FieldError(field: "sae.top_k", value: "", reason: "applies to topk and batchtopk only")
    }
    if let m = try s.integers("matryoshka", in: 1...k) {
      guard m.last == k, zip(m, m.dropFirst()).allSatisfy({ $0 < $1 }) else {
        throw FieldError(
          field: "sae.matryoshka", value: JSONObject.render(m),
          reason: "is not strictly increasing and ending at latents (\(k))")
      }
      a.matryoshka = m
    }
    try balance(s, into: &a)
    a.l1PerPrefix = try s.bool("l1_per_prefix") ?? false
    if a.l1PerPrefix && (a.matryoshka?.count ?? 1) < 2 {
      throw FieldError(
        field: "sae.l1_per_prefix", value: "true",
        reason: "needs Matryoshka prefixes (sae.matryoshka with two or more)")
    }
    if s.values["init"] is [Any] {
      let names = try s.array("init")!
      a.initialFeatures = try names.enumerated().map { i, item in
        guard let name = item as? String, let f = index[name] else {
          throw FieldError(
            field: "sae.init[\(i)]", value: JSONObject.render(item),
            reason: "is not a feature (features: \(listForMessage(features)))")
        }
        return f
      }
    } else if let word = try s.string("init") {
      switch word {
      case "random": break
      case "features": a.initialFeatures = Array(0..<min(k, features.count))
      default:
        throw FieldError(
          field: "sae.init", value: JSONObject.render(word),
          reason: "is not random, features, or a list of feature names")
      }
    }
    if let f = a.initialFeatures {
      guard f.count == k else {
        throw FieldError(
          field: "sae.init", value: "",
          reason: "starts \(f.count) latents at features, the SAE has \(k) latents")
      }
      if let twice = firstRepeated(f.map { features[$0] }) {
        throw FieldError(
          field: "sae.init", value: JSONObject.render(twice), reason: "is named twice")
      }
    }
    if let noise = try s.number("init_noise", in: 0...10) {
      guard a.initialFeatures != nil else {
        throw FieldError(
          field: "sae.init_noise", value: "\(noise)", reason: "needs init at features")
      }
      a.initialNoise = noise
    }
    return a
  }

  /// The `train` block: data, loss, snap_at, l1, steps, batch, lr, beta1, beta2, seed, starts
  /// (runs from seeds seed, seed + 1, ...; the lowest exact loss kept).
  static func plan(_ t: JSONObject?, sampled: Bool) throws -> SAETrainingPlan {
    var plan = SAETrainingPlan()
    plan.data = sampled ? .samples : .exact
    guard let t else { return plan }
    try t.allow([
      "data", "loss", "snap_at", "l1", "steps", "batch", "lr", "beta1", "beta2", "seed", "starts",
      "dim", "optimizer", "gtol",
    ])
    if let s = try t.string("data") {
      guard let data = SAETrainingPlan.Data(rawValue: s) else {
        throw FieldError(
          field: "train.data", value: JSONObject.render(s),
          reason: "is not one of exact, counts, samples")
      }
      if sampled && data != .samples {
        throw FieldError(
          field: "train.data", value: JSONObject.render(s),
          reason: "needs an enumerable toy (patterns or hierarchy): this toy is sampled (correlated, or with drawn magnitudes); set it to samples")
      }
      plan.data = data
    }
    // Read as numbers here; their ranges are checked once, by `SAETrainingPlan`.
    if let v = try t.wholeNumber("steps") { plan.steps = v }
    if let v = try t.wholeNumber("batch") { plan.batch = v }
    if let v = try t.finiteNumber("lr") { plan.learningRate = v }
    if let v = try t.finiteNumber("beta1") { plan.beta1 = v }
    if let v = try t.finiteNumber("beta2") { plan.beta2 = v }
    if let v = try t.seed("seed") { plan.seed = v }
    if let v = try t.wholeNumber("starts") {
      guard !sampled || v == 1 else {
        throw FieldError(
          field: "train.starts", value: "\(v)",
          reason: "compares exact losses: it needs an enumerable toy (patterns or hierarchy); set it to 1 for a sampled one")
      }
      plan.starts = v
    }
    if let v = try t.finiteNumber("l1") { plan.l1 = v }
    if let v = try t.wholeNumber("dim") { plan.dimension = v }
    if let v = try t.finiteNumber("gtol") { plan.gradientTolerance = v }
    if let name = try t.string("optimizer") {
      guard let o = SAETrainingPlan.Optimizer(rawValue: name) else {
        throw FieldError(
          field: "train.optimizer", value: JSONObject.render(name), reason: "is not one of adam, lbfgs")
      }
      plan.optimizer = o
    }
    let name = try t.string("loss") ?? "mse"
    guard let loss = SAETrainingPlan.Loss(rawValue: name) else {
      throw FieldError(
        field: "train.loss", value: JSONObject.render(name), reason: "is not one of mse, l2, snap")
    }
    plan.loss = loss
    plan.snapAt = try t.wholeNumber("snap_at")
    do {
      try plan.checkSettings()
    } catch let e as FieldError {
      throw e.renamed("train.\(e.field)")
    }
    return plan
  }

  /// One `expect` entry: `quantity`, its `latent`/`latents`/`feature`, and `min`/`max`.
  static func expectation(
    _ e: JSONObject, architecture: SAEArchitecture, features: [String], index: [String: Int]
  ) throws -> SAEExpectation {
    try e.allow(["quantity", "latent", "latents", "statistic", "feature", "min", "max", "why"])
    guard let q = try e.string("quantity") else {
      throw FieldError(field: e.fieldPath("quantity"), value: "", reason: "is required")
    }
    let k = architecture.latents
    func latent() throws -> Int {
      try e.integer("latent", in: 0...(k - 1)) ?? 0
    }
    func feature() throws -> Int {
      guard let f = try e.feature("feature", index, features: features) else {
        throw FieldError(field: e.fieldPath("feature"), value: "", reason: "is required by \(q)")
      }
      return f
    }
    let statistic = try e.statistic()
    let quantity: SAEQuantity
    switch q {
    case "decoder_bias": quantity = .decoderBias(feature: try feature())
    case "decoder_cos": quantity = .decoderCosine(latent: try latent(), feature: try feature())
    case "encoder_cos": quantity = .encoderCosine(latent: try latent(), feature: try feature())
    case "decoder_hedging_mass":
      quantity = .decoderHedgingMass(
        latents: try e.integers("latents", in: 0...(k - 1)) ?? [], statistic)
    case "encoder_hedging_mass":
      quantity = .encoderHedgingMass(
        latents: try e.integers("latents", in: 0...(k - 1)) ?? [], statistic)
    case "mse": quantity = .loss(.mse)
    case "l2": quantity = .loss(.l2)
    default:
      throw FieldError(
        field: e.fieldPath("quantity"), value: JSONObject.render(q),
        reason:
          "is not one of decoder_bias, decoder_cos, encoder_cos, decoder_hedging_mass, encoder_hedging_mass, mse, l2"
      )
    }
    let (lo, hi) = try e.bounds()
    return SAEExpectation(quantity, min: lo, max: hi)
  }
}

extension JSONObject {
  /// An expectation's `statistic` over several values: mean (the default), median, min, max.
  func statistic() throws -> HedgingStatistic {
    guard let s = try string("statistic") else { return .mean }
    guard let parsed = HedgingStatistic(rawValue: s) else {
      throw FieldError(
        field: fieldPath("statistic"), value: JSONObject.render(s),
        reason: "is not one of mean, median, min, max")
    }
    return parsed
  }

  /// An expectation's `min` and `max`: at least one, each in [-1e9, 1e9], min <= max.
  func bounds() throws -> (min: Double?, max: Double?) {
    let lo = try number("min", in: -1e9...1e9)
    let hi = try number("max", in: -1e9...1e9)
    guard lo != nil || hi != nil else {
      throw FieldError(field: fieldPath("min"), value: "", reason: "or max is required")
    }
    if let lo, let hi, lo > hi {
      throw FieldError(field: fieldPath("min"), value: "\(lo)", reason: "is above max \(hi)")
    }
    return (lo, hi)
  }
}
