import Foundation
import ToyModels

/// A toy model of correlated features and the tied single-latent SAE studied on it.
///
/// Features are orthonormal directions e_1..e_k. Each firing pattern j fires with
/// probability pi_j and produces the activation x_j = sum_i m_ji e_i; the leftover mass
/// 1 - sum_j pi_j is "nothing fires" (x = 0). The SAE's latent runs along the path
/// w(t) = (1 - t) u + t v, l(t) = w(t) / |w(t)|, for t in [`path.tMin`, `path.tMax`].
public struct LatentCase: Sendable, Hashable {
  /// Short identifier, used for file names (`skew-parent`).
  public var name: String
  /// One-line description, used as the figure title.
  public var title: String
  /// Feature names, in coordinate order. At least one, all distinct.
  public var features: [String]
  /// The firing patterns. Probabilities in [0, 1], summing to at most 1.
  public var patterns: [Pattern]
  /// The latent path and its t range.
  public var path: LatentPath
  /// The decoder bias of the SAE.
  public var bias: DecoderBias
  /// The sparsity penalty lambda * E[h^p] added to both losses.
  public var penalty: Penalty

  public init(
    name: String, title: String, features: [String], patterns: [Pattern],
    path: LatentPath, bias: DecoderBias = .none, penalty: Penalty = .none
  ) {
    self.name = name
    self.title = title
    self.features = features
    self.patterns = patterns
    self.path = path
    self.bias = bias
    self.penalty = penalty
  }

  /// The probability that no pattern fires: 1 - sum_j pi_j (never negative).
  public var nothingProbability: Double {
    max(0, 1 - patterns.reduce(0) { $0 + $1.probability })
  }

  /// The mean activation mu = E[x] = sum_j pi_j x_j.
  public var meanActivation: [Double] {
    var mu = [Double](repeating: 0, count: features.count)
    for pattern in patterns {
      for i in mu.indices { mu[i] += pattern.probability * pattern.magnitudes[i] }
    }
    return mu
  }

  /// The same case with the probabilities replaced, in pattern order.
  public func with(probabilities: [Double]) -> LatentCase {
    precondition(probabilities.count == patterns.count)
    var copy = self
    for j in copy.patterns.indices { copy.patterns[j].probability = probabilities[j] }
    return copy
  }
}

/// One firing pattern: a named event with a probability and the activation it produces.
public struct Pattern: Sendable, Hashable {
  /// The probability's symbol (`p0`, `p01`, ...).
  public var name: String
  /// pi_j, in [0, 1].
  public var probability: Double
  /// m_j: one magnitude per feature, in the case's feature order. Finite.
  public var magnitudes: [Double]

  public init(name: String, probability: Double, magnitudes: [Double]) {
    self.name = name
    self.probability = probability
    self.magnitudes = magnitudes
  }
}

/// The straight path w(t) = (1 - t) u + t v between two latents, normalised to l(t).
public struct LatentPath: Sendable, Hashable {
  /// u, the latent at t = 0, in feature coordinates.
  public var from: [Double]
  /// v, the latent at t = 1, in feature coordinates.
  public var to: [Double]
  /// The lower end of the t range studied; t may lie outside [0, 1].
  public var tMin: Double
  /// The upper end of the t range studied, above `tMin`.
  public var tMax: Double

  public init(from: [Double], to: [Double], tMin: Double = 0, tMax: Double = 1) {
    self.from = from
    self.to = to
    self.tMin = tMin
    self.tMax = tMax
  }

  /// w(t) = (1 - t) u + t v.
  public func direction(at t: Double) -> [Double] {
    zip(from, to).map { u, v in u + t * (v - u) }
  }

  /// l(t) = w(t) / |w(t)|.
  public func latent(at t: Double) -> [Double] {
    let w = direction(at: t)
    let norm = dot(w, w).squareRoot()
    return w.map { $0 / norm }
  }
}

/// The SAE's decoder bias b, split along the latent as b = beta l + b_perp.
///
/// With s = l . x the encoder is h = relu(s - beta) and the error splits in two
/// orthogonal parts, e^2 = |P_perp x - b_perp|^2 + relu(beta - s)^2: beta is the relu's
/// threshold and b_perp recentres what the latent cannot see.
public enum DecoderBias: Sendable, Hashable {
  /// b = 0: the paper's analysis.
  case none
  /// The bias that minimises the loss at each latent, for each loss separately (the MSE
  /// landscape uses the MSE-optimal bias, the L2 landscape the L2-optimal one, each with
  /// the penalty when there is one). See `OptimalBias`.
  case optimal
  /// b = mu - (l . mu) l (beta = 0): optimal only while the relu clips no pattern.
  case centered
  /// A given vector, in feature coordinates (finite, one component per feature).
  case fixed([Double])

  /// The kinds of bias: what a case file or flag names (`fixed` is given as a vector).
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case none, optimal, centered, fixed
  }

  /// The bias's kind.
  public var kind: Kind {
    switch self {
    case .none: return .none
    case .optimal: return .optimal
    case .centered: return .centered
    case .fixed: return .fixed
    }
  }

  /// The kinds named by a word in a case file or on the command line.
  public static let namedKinds: [Kind] = [.none, .optimal, .centered]

  /// The bias named by a word (`none`, `optimal`, `centered`), or nil.
  public init?(name: String) {
    switch name {
    case "none": self = .none
    case "optimal": self = .optimal
    case "centered": self = .centered
    default: return nil
    }
  }

  /// Words for titles and messages ("optimal decoder bias", ...); nil for no bias.
  public func describe(features: [String]) -> String? {
    switch self {
    case .none: return nil
    case .optimal: return "optimal decoder bias"
    case .centered: return "centered decoder bias"
    case .fixed(let b):
      var parts: [String] = []
      for (name, value) in zip(features, b) { parts.append(name + " " + shortDecimal(value)) }
      return "decoder bias (" + parts.joined(separator: ", ") + ")"
    }
  }
}

/// A number with at most 6 significant decimals, for titles and messages.
func shortDecimal(_ x: Double) -> String {
  let rounded = Double(String(format: "%.6g", x)) ?? x
  return rounded == 0 ? "0" : "\(rounded)"
}

/// The sparsity penalty lambda * E[h^p], h = relu(l . (x - b)).
public struct Penalty: Sendable, Hashable {
  /// lambda >= 0; zero means no penalty.
  public var coefficient: Double
  /// p > 0 (1 for L1).
  public var exponent: Double

  public init(coefficient: Double, exponent: Double = 1) {
    self.coefficient = coefficient
    self.exponent = exponent
  }

  /// No penalty.
  public static let none = Penalty(coefficient: 0, exponent: 1)
}
