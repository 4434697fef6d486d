import CaseFiles
import Foundation
import Landscape

/// A case file the server offers, by name.
public struct ServedCase: Sendable, Encodable {
  public var name: String
  public var source: LatentCase

  public init(name: String, source: LatentCase) {
    self.name = name
    self.source = source
  }

  private enum Keys: String, CodingKey {
    case name, title, features, patterns, l1, bias, tMin = "t_min", tMax = "t_max", hierarchy
  }

  private struct PatternEntry: Encodable {
    var name: String
    var probability: Double
    var magnitudes: [Double]
  }

  /// Its name, title, features, patterns (name, probability, magnitudes), penalty, bias
  /// (`none`, `optimal`, `centered` or the fixed vector as `FEATURE=B,...`), t range, and
  /// whether it is the two-feature hierarchy (patterns p0, p01 and maybe p1).
  public func encode(to encoder: any Encoder) throws {
    var e = encoder.container(keyedBy: Keys.self)
    try e.encode(name, forKey: .name)
    try e.encode(source.title, forKey: .title)
    try e.encode(source.features, forKey: .features)
    try e.encode(
      source.patterns.map {
        PatternEntry(name: $0.name, probability: $0.probability, magnitudes: $0.magnitudes)
      }, forKey: .patterns)
    try e.encode(source.penalty.coefficient, forKey: .l1)
    try e.encode(biasText, forKey: .bias)
    try e.encode(source.path.tMin, forKey: .tMin)
    try e.encode(source.path.tMax, forKey: .tMax)
    try e.encode(isHierarchy, forKey: .hierarchy)
  }

  var isHierarchy: Bool {
    source.features.count == 2
      && source.patterns.allSatisfy { ["p0", "p01", "p1"].contains($0.name) }
  }

  var biasText: String {
    switch source.bias {
    case .none: "none"
    case .optimal: "optimal"
    case .centered: "centered"
    case .fixed(let v):
      zip(source.features, v).map { "\($0)=\($1)" }.joined(separator: ",")
    }
  }
}

extension LandscapeServer {
  /// Reads every single-latent case file in `folder` (SAE cases are left out; a file that
  /// does not load is an error naming it). Only files in the folder are read: a symbolic
  /// link leading out of it is left out and handed to `outside`.
  public static func cases(in folder: String, outside: (String) -> Void = { _ in }) throws
    -> [ServedCase]
  {
    try files(in: folder, outside: outside).compactMap { name, path in
      guard case .latent(let c, _) = try CaseDocument.load(contentsOf: path) else { return nil }
      return ServedCase(name: name, source: c)
    }
  }

  /// The SAE case files in `folder` (by file name, without `.json`), checked as `cases(in:)`
  /// checks them, their bytes kept for the runs.
  public static func saeCases(in folder: String) throws -> [ServedSAECase] {
    try files(in: folder, outside: { _ in }).compactMap { name, path in
      guard case .sae(let s) = try CaseDocument.load(contentsOf: path),
        let data = FileManager.default.contents(atPath: path)
      else { return nil }
      return ServedSAECase(name: name, title: s.title, json: data)
    }
  }

  /// The `.json` files of `folder`, sorted, each with its name and its real path (links
  /// followed); a file whose real path is outside the folder is passed to `outside`.
  private static func files(in folder: String, outside: (String) -> Void) throws
    -> [(name: String, path: String)]
  {
    let names = try FileManager.default.contentsOfDirectory(atPath: folder)
      .filter { $0.hasSuffix(".json") }.sorted()
    let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
    var found: [(name: String, path: String)] = []
    for file in names {
      let path = (folder as NSString).appendingPathComponent(file)
      // The file itself, links followed: read there, and only when it is in the folder.
      let real = URL(fileURLWithPath: path).resolvingSymlinksInPath()
      guard real.deletingLastPathComponent().path == root else {
        outside(path)
        continue
      }
      found.append((String(file.dropLast(5)), real.path))
    }
    return found
  }
}
