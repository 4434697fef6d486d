import Reports
import ToyModels

/// Every minimum of a case's MSE and L2 on its path, and the off-path optimum: the report
/// `landscape minima --json` prints.
///
///     {"case": ..., "model": {...}, "mse": {"minima": [...]}, "l2": {"minima": [...]},
///      "sphere": {...}}
public struct MinimaReport: Sendable, Encodable {
  /// One minimum on the path: its t, loss, whether it is global, how it was found, the latent
  /// there (l(t) in feature coordinates), cos(l, from), the hedging ratio l_2 / l_1 (nil when
  /// l_1 = 0 or there is one feature) and the decoder bias used there (nil without a bias).
  public struct Entry: Sendable {
    public var minimum: Minimum
    public var latent: [Double]
    public var cosParent: Double
    public var hedging: Double?
    public var bias: [Double]?
  }

  public var source: LatentCase
  public var mse: [Entry]
  public var l2: [Entry]
  public var sphere: SphereOptimum?

  /// The report of a validated case.
  ///
  /// - Throws: `FieldError` naming the first loss that is not finite (`l2.minima[0].loss`,
  ///   `sphere.loss`), where the report would otherwise print inf or null: one line, in the
  ///   words of the JSON keys.
  public init(_ c: LatentCase) throws {
    let landscape = LossLandscape(c)
    source = c
    func entries(_ kind: LossKind) -> [Entry] {
      landscape.minima(kind).map { m in
        let h = MinimumLatent(c.path, t: m.t)
        return Entry(
          minimum: m, latent: h.latent, cosParent: h.cosParent, hedging: h.hedging,
          bias: c.bias == .none ? nil : landscape.bias(kind, at: m.t))
      }
    }
    mse = entries(.mse)
    l2 = entries(.l2)
    sphere = c.sphereOptimum(startingFrom: mse.map { c.path.latent(at: $0.minimum.t) })
    if let field = nonFiniteLoss {
      throw FieldError(
        field: field.name, value: "\(field.value)",
        reason: "is not finite: the penalty or the magnitudes are too large for a Double")
    }
  }

  /// The first loss of the report that is not finite, named by its JSON path; nil when all are.
  var nonFiniteLoss: (name: String, value: Double)? {
    for (key, list) in [("mse", mse), ("l2", l2)] {
      for (i, e) in list.enumerated() where !e.minimum.loss.isFinite {
        return ("\(key).minima[\(i)].loss", e.minimum.loss)
      }
    }
    if let sphere, !sphere.loss.isFinite { return ("sphere.loss", sphere.loss) }
    return nil
  }

  enum Keys: String, CodingKey {
    case name = "case", model, mse, l2, sphere, minima, t, loss, global, kind, latent
    case cosParent = "cos_parent", hedging, bias, clips, provenOptimal = "proven_optimal"
    case patterns, patternName = "name", path, penalty, probability, fires, from, to
    case coefficient, p
  }

  public func encode(to encoder: Encoder) throws {
    let f = source.features
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(source.name, forKey: .name)
    try encodeModel(into: c.nestedContainer(keyedBy: Keys.self, forKey: .model))
    for (key, list) in [(Keys.mse, mse), (.l2, l2)] {
      var loss = c.nestedContainer(keyedBy: Keys.self, forKey: key)
      var minima = loss.nestedUnkeyedContainer(forKey: .minima)
      for e in list {
        var m = minima.nestedContainer(keyedBy: Keys.self)
        try m.encode(ReportNumber(e.minimum.t), forKey: .t)
        try m.encode(ReportNumber(e.minimum.loss), forKey: .loss)
        try m.encode(e.minimum.isGlobal, forKey: .global)
        try m.encode(e.minimum.kind.rawValue, forKey: .kind)
        try m.encode(FeatureVector(f, e.latent), forKey: .latent)
        try m.encode(ReportNumber(e.cosParent), forKey: .cosParent)
        try m.encode(e.hedging.map(ReportNumber.init), forKey: .hedging)
        if let b = e.bias { try m.encode(FeatureVector(f, b), forKey: .bias) }
      }
    }
    if let sphere {
      var s = c.nestedContainer(keyedBy: Keys.self, forKey: .sphere)
      try s.encode(FeatureVector(f, sphere.latent), forKey: .latent)
      try s.encode(ReportNumber(sphere.loss), forKey: .loss)
      try s.encode(sphere.clipsPattern, forKey: .clips)
      try s.encode(sphere.isProvenOptimal, forKey: .provenOptimal)
      if source.bias != .none { try s.encode(FeatureVector(f, sphere.bias), forKey: .bias) }
    }
  }

  /// The model's parameters: every pattern, the path, the decoder bias and the penalty.
  func encodeModel(into container: KeyedEncodingContainer<Keys>) throws {
    var c = container
    let f = source.features
    var patterns = c.nestedUnkeyedContainer(forKey: .patterns)
    for p in source.patterns {
      var o = patterns.nestedContainer(keyedBy: Keys.self)
      try o.encode(p.name, forKey: .patternName)
      try o.encode(ReportNumber(p.probability), forKey: .probability)
      try o.encode(FeatureVector(f, p.magnitudes), forKey: .fires)
    }
    var path = c.nestedContainer(keyedBy: Keys.self, forKey: .path)
    try path.encode(FeatureVector(f, source.path.from), forKey: .from)
    try path.encode(FeatureVector(f, source.path.to), forKey: .to)
    try path.encode([source.path.tMin, source.path.tMax].map(ReportNumber.init), forKey: .t)
    if case .fixed(let b) = source.bias {
      try c.encode(FeatureVector(f, b), forKey: .bias)
    } else {
      try c.encode(source.bias.kind.rawValue, forKey: .bias)
    }
    var penalty = c.nestedContainer(keyedBy: Keys.self, forKey: .penalty)
    try penalty.encode(ReportNumber(source.penalty.coefficient), forKey: .coefficient)
    try penalty.encode(ReportNumber(source.penalty.exponent), forKey: .p)
  }
}

/// The latent at a minimum t, in feature coordinates, and how much it hedges.
///
///     l(t) = w(t)/|w(t)|, w(t) = (1 - t) from + t to;  cos_parent = l . from/|from|
///     hedging = l_2 / l_1 (the hedging ratio: the second feature's component over the first's)
///
/// hedging is nil when l_1 = 0 or there is one feature.
public struct MinimumLatent: Sendable, Hashable {
  public var latent: [Double]
  public var cosParent: Double
  public var hedging: Double?

  public init(_ path: LatentPath, t: Double) {
    let w = zip(path.from, path.to).map { (1 - t) * $0 + t * $1 }
    let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
    latent = w.map { $0 / norm + 0 }
    let fromNorm = path.from.reduce(0) { $0 + $1 * $1 }.squareRoot()
    cosParent = zip(latent, path.from).reduce(0) { $0 + $1.0 * $1.1 } / fromNorm + 0
    hedging = latent.count >= 2 && latent[0] != 0 ? latent[1] / latent[0] + 0 : nil
  }
}
