import Reports

/// The minima table: the report as text.
extension MinimaReport {
  /// The table `landscape minima` prints: the model, then one row per minimum.
  public var text: String { table() }

  /// A vector in feature coordinates as text.
  private func vectorText(_ v: [Double]) -> String {
    zip(source.features, v).map { "\($0) \(number($1))" }.joined(separator: ", ")
  }

  private func table() -> String {
    var out = "\(source.name): \(source.title)\n"
    out += modelText()
    out += "loss  kind         t                    loss                  global  "
    out += "latent (\(source.features.joined(separator: ", ")))  cos_parent  hedging ratio"
    out += source.bias == .none ? "\n" : "  decoder bias\n"
    for (name, entries) in [("MSE", mse), ("L2", l2)] {
      for e in entries {
        let m = e.minimum
        out +=
          pad(name, 6) + pad(m.kind.rawValue, 13) + pad(number(m.t), 21)
          + pad(number(m.loss), 22) + pad(m.isGlobal ? "yes" : "", 8)
          + "(\(e.latent.map(number).joined(separator: ", ")))  \(number(e.cosParent))  "
          + (e.hedging.map(number) ?? "none")
          + (e.bias.map { "  (" + vectorText($0) + ")" } ?? "") + "\n"
      }
    }
    if let sphere {
      out += "off-path MSE optimum: (\(vectorText(sphere.latent))), loss \(number(sphere.loss))"
      if source.bias != .none { out += ", decoder bias (\(vectorText(sphere.bias)))" }
      out += sphere.isProvenOptimal ? "\n" : " (best of local searches on the sphere)\n"
    }
    return out
  }

  /// The model's parameters as text lines: each pattern with its magnitudes, the path,
  /// the bias and the penalty.
  func modelText() -> String {
    func vector(_ v: [Double]) -> String {
      zip(source.features, v).filter { $0.1 != 0 }.map { "\($0) \(number($1))" }
        .joined(separator: " + ")
    }
    var out = source.patterns.map {
      "  \($0.name) = \(number($0.probability)): \(vector($0.magnitudes))\n"
    }.joined()
    out += "  path: from \(vector(source.path.from)) to \(vector(source.path.to)), "
    out += "t in [\(number(source.path.tMin)), \(number(source.path.tMax))]\n"
    out += "  bias: \(source.bias.describe(features: source.features) ?? "none"), penalty: \(number(source.penalty.coefficient)) E[h^"
    out += "\(number(source.penalty.exponent))]\n"
    return out
  }
}

/// A number as text: the shortest round-trip decimal, 0 for negative zero.
private func number(_ x: Double) -> String { x == 0 ? "0.0" : "\(x)" }

private let pad = TextTable.pad
