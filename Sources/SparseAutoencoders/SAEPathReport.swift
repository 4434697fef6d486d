import Reports

/// `landscape path`'s report: the ends, how their latents were matched, and the losses at
/// every point.
///
///     {"case", "from", "to", "via", "loss": "mse"|"l2", "l1", "exact", "samples", "seed",
///      "matching": [[latent of B (C) for each latent of A]], "matched_cosines": [[cos]],
///      "points": [{"t" (or "s", "u"), "mse", "l2", "loss"}],
///      "barrier"}  (the line only: max loss along it minus the larger end's)
public struct SAEPathReport: Sendable, Encodable {
  /// One point: t along the line (`s`, `u` nil), or (s, u) on the slice.
  public struct Point: Sendable, Hashable {
    public var s: Double
    public var u: Double?
    public var mse: Double
    public var l2: Double
    /// The case's training loss.
    public var loss: Double

    public init(s: Double, u: Double?, mse: Double, l2: Double, loss: Double) {
      self.s = s
      self.u = u
      self.mse = mse
      self.l2 = l2
      self.loss = loss
    }
  }

  public var name: String
  /// The ends' names: from, to (and via): "truth" or the file.
  public var ends: [String]
  public var reconstruction: ReconstructionLoss
  public var l1: Double
  /// The number of draws of the estimate; nil when exact.
  public var samples: Int?
  public var seed: UInt64?
  /// For B (and C): the latent matched to each of A's.
  public var matchings: [[Int]]
  /// For B (and C): cos(A's decoder row i, the matched row), signed.
  public var matchedCosines: [[Double]]
  public var points: [Point]

  public init(
    name: String, ends: [String], reconstruction: ReconstructionLoss, l1: Double,
    samples: Int?, seed: UInt64?, matchings: [[Int]], matchedCosines: [[Double]],
    points: [Point]
  ) {
    self.name = name
    self.ends = ends
    self.reconstruction = reconstruction
    self.l1 = l1
    self.samples = samples
    self.seed = seed
    self.matchings = matchings
    self.matchedCosines = matchedCosines
    self.points = points
  }

  public var isSlice: Bool { ends.count == 3 }

  /// The line's highest training loss and where: (t, loss).
  public var highest: (t: Double, loss: Double) {
    let top = points.max { $0.loss < $1.loss }!
    return (top.s, top.loss)
  }

  /// The line's barrier: the highest training loss along it minus the larger of the ends'
  /// (> 0: a barrier; <= 0: none, the path never rises above its higher end). nil for a slice.
  public var barrier: Double? {
    guard !isSlice else { return nil }
    return highest.loss - max(points.first!.loss, points.last!.loss)
  }

  enum CodingKeys: String, CodingKey {
    case name = "case", from, to, via, loss, l1, exact, samples, seed, matching
    case matchedCosines = "matched_cosines", points, barrier
  }

  enum PointKeys: String, CodingKey { case t, s, u, mse, l2, loss }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(ends[0], forKey: .from)
    try c.encode(ends[1], forKey: .to)
    if isSlice { try c.encode(ends[2], forKey: .via) }
    try c.encode(reconstruction.rawValue, forKey: .loss)
    try c.encode(l1, forKey: .l1)
    try c.encode(samples == nil, forKey: .exact)
    try c.encodeIfPresent(samples, forKey: .samples)
    try c.encodeIfPresent(seed, forKey: .seed)
    try c.encode(matchings, forKey: .matching)
    try c.encode(matchedCosines, forKey: .matchedCosines)
    var list = c.nestedUnkeyedContainer(forKey: .points)
    for p in points {
      var o = list.nestedContainer(keyedBy: PointKeys.self)
      if let u = p.u {
        try o.encode(p.s, forKey: .s)
        try o.encode(u, forKey: .u)
      } else {
        try o.encode(p.s, forKey: .t)
      }
      try o.encode(p.mse, forKey: .mse)
      try o.encode(p.l2, forKey: .l2)
      try o.encode(p.loss, forKey: .loss)
    }
    try c.encodeIfPresent(barrier, forKey: .barrier)
  }

  /// The tidy table: t,mse,l2,loss (the slice: s,u,mse,l2,loss), one row per point.
  public var csv: String {
    let text = CSVText()
    text.append(contentsOf: isSlice ? "s,u,mse,l2,loss\n" : "t,mse,l2,loss\n")
    for p in points {
      text.appendShortest(p.s)
      if let u = p.u {
        text.append(contentsOf: ",")
        text.appendShortest(u)
      }
      for v in [p.mse, p.l2, p.loss] {
        text.append(contentsOf: ",")
        text.append(v)
      }
      text.append(contentsOf: "\n")
    }
    return String(decoding: text.bytes, as: UTF8.self)
  }

  /// The training loss's name: "mse + 0.01 L1", "l2".
  public var lossName: String {
    reconstruction.rawValue + (l1 > 0 ? " + \(TextTable.short(l1)) L1" : "")
  }

  /// The text report: how it was measured, the matching, the ends' losses and the barrier
  /// (the slice: its corners and its lowest and highest points).
  public var text: String {
    let how = samples.map { "estimated from \($0) samples (seed \(seed ?? 0)), the same at every point" } ?? "exact"
    var out = "\(name): \(isSlice ? "slice through" : "path from") \(ends[0]) "
    out += isSlice ? "(s = u = 0), \(ends[1]) (s = 1) and \(ends[2]) (u = 1)" : "(t = 0) to \(ends[1]) (t = 1)"
    out += ", \(points.count) points, training loss \(lossName), \(how)\n"
    for (m, name) in zip(matchings, ends.dropFirst()) where m != Array(m.indices) {
      out += "\(name)'s latents matched to \(ends[0])'s: " + m.enumerated().map { "\($0) <- \($1)" }.joined(separator: ", ") + "\n"
    }
    for (cos, name) in zip(matchedCosines, ends.dropFirst()) {
      out += "decoder cosines of \(name)'s matched latents with \(ends[0])'s: "
      out += cos.map { TextTable.decimal($0) }.joined(separator: ", ") + "\n"
    }
    out += "\n" + TextTable.pad("", 26) + TextTable.pad("loss", 24) + TextTable.pad("mse", 24) + "l2\n"
    func row(_ label: String, _ p: Point) {
      out += TextTable.pad(label, 26) + TextTable.pad("\(p.loss)", 24) + TextTable.pad("\(p.mse)", 24) + "\(p.l2)\n"
    }
    if isSlice {
      let n = Int(Double(points.count).squareRoot().rounded())
      row("\(ends[0])", points[0])
      row("\(ends[1])", points[n - 1])
      row("\(ends[2])", points[n * (n - 1)])
      let low = points.min { $0.loss < $1.loss }!
      let high = points.max { $0.loss < $1.loss }!
      row("lowest (s \(TextTable.short(low.s)), u \(TextTable.short(low.u ?? 0)))", low)
      row("highest (s \(TextTable.short(high.s)), u \(TextTable.short(high.u ?? 0)))", high)
    } else {
      row("\(ends[0]) (t = 0)", points.first!)
      row("\(ends[1]) (t = 1)", points.last!)
      let top = points.max { $0.loss < $1.loss }!
      row("highest (t = \(TextTable.short(top.s)))", top)
      let b = barrier!
      out += b > 0
        ? "\nbarrier: the loss rises \(b) above the higher end along the path\n"
        : "\nno barrier: the loss never rises above the higher end along the path\n"
    }
    return out
  }
}
