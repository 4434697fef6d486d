import ArgumentParser
import Foundation
import Landscape

/// A case, from a file or from the hierarchy shorthand.
struct CaseOptions: ParsableArguments {
    @Argument(help: "A case file (JSON). Omit it to use the hierarchy shorthand (--p0, --p01, ...).")
    var caseFile: String?

    @Option(parsing: .unconditional, help: "Hierarchy: P(parent fires alone).")
    var p0: Double?

    @Option(parsing: .unconditional, help: "Hierarchy: P(parent and child fire together).")
    var p01: Double?

    @Option(parsing: .unconditional, help: "Hierarchy: P(child fires alone) (default: no such pattern).")
    var p1: Double?

    @Option(parsing: .unconditional, help: "Hierarchy: the parent's magnitude.")
    var parentMagnitude: Double = 1

    @Option(parsing: .unconditional, help: "Hierarchy: the child's magnitude.")
    var childMagnitude: Double = 1

    @Option(parsing: .unconditional, help: "L1 penalty coefficient lambda (p = 1).")
    var l1: Double?

    @Option(help: "Decoder bias: none or optimal.")
    var bias: String?

    @Option(parsing: .unconditional, help: "Start of the t range (default 0, or the case file's).")
    var tMin: Double?

    @Option(parsing: .unconditional, help: "End of the t range (default 1, or the case file's).")
    var tMax: Double?

    func validate() throws {
        if caseFile == nil {
            guard p0 != nil, p01 != nil else {
                throw ValidationError("Give a case file, or the hierarchy shorthand --p0 P --p01 P.")
            }
        } else if p0 != nil || p01 != nil || p1 != nil {
            throw ValidationError("Give a case file or --p0/--p01/--p1, not both.")
        }
        if let bias, DecoderBias(rawValue: bias) == nil {
            throw ValidationError("--bias: \"\(bias)\" is not one of none, optimal.")
        }
    }

    /// The case these options describe, validated; file settings overridden by flags.
    func resolve() throws -> Case {
        let decoderBias = bias.flatMap(DecoderBias.init(rawValue:))
        if let caseFile {
            var c = try Case.load(contentsOf: caseFile)
            if let decoderBias { c.bias = decoderBias }
            if let l1 { c.penalty = Penalty(coefficient: l1, exponent: 1) }
            if let tMin { c.path.tMin = tMin }
            if let tMax { c.path.tMax = tMax }
            do { try c.validate() } catch let e as CaseError {
                throw CaseError(field: overriddenField(e.field), value: e.value, reason: e.reason)
            }
            return c
        }
        return try Case.hierarchy(
            p0: p0!, p01: p01!, p1: p1, parentMagnitude: parentMagnitude,
            childMagnitude: childMagnitude, l1: l1 ?? 0, bias: decoderBias ?? .none,
            tMin: tMin ?? 0, tMax: tMax ?? 1)
    }

    private func overriddenField(_ field: String) -> String {
        if field == "path.t" && (tMin != nil || tMax != nil) { return "--t-min/--t-max" }
        if field == "penalty.coefficient" && l1 != nil { return "--l1" }
        return field
    }
}
