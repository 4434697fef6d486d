import CaseFiles

/// A report with the `--set` overrides that made its case: the report's own keys, and
/// `overrides` (path to value) when there are any, so that a report without them is
/// unchanged byte for byte.
public struct OverriddenReport<Report: Encodable & Sendable>: Encodable, Sendable {
  public var report: Report
  public var overrides: [FieldOverride]

  public init(_ report: Report, overrides: [FieldOverride]) {
    self.report = report
    self.overrides = overrides
  }

  /// The report's text line for the overrides: `overrides: sae.latents=8, train.l1=0.02`,
  /// with a line end; empty when there are none.
  public var textLine: String {
    overrides.isEmpty ? "" : "overrides: \(overrides.map(\.description).joined(separator: ", "))\n"
  }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: Encoder) throws {
    try report.encode(to: encoder)
    guard !overrides.isEmpty else { return }
    var c = encoder.container(keyedBy: Key.self)
    var map = c.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "overrides"))
    for o in overrides { try map.encode(o.value, forKey: Key(stringValue: o.path.description)) }
  }
}
