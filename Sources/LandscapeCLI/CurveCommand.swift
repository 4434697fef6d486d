import ArgumentParser
import Foundation
import Landscape

struct CurveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "MSE and L2 (each with the penalty, if any) at evenly spaced t, as CSV.",
        discussion: "The exact expected losses of the model, relu applied; no sampling. Columns: t,mse,l2.")

    @OptionGroup var source: CaseOptions

    @Option(parsing: .unconditional, help: "Number of evenly spaced t values, ends included (at least 2).")
    var points = 201

    @Option(help: "Write the CSV to this file (atomically) instead of standard output.")
    var csv: String?

    func validate() throws {
        if points < 2 { throw ValidationError("--points: \(points) is below 2.") }
        if points > 100_000_000 { throw ValidationError("--points: \(points) is above 100000000.") }
    }

    func run() throws {
        let c = try source.resolve()
        if let csv { try OutputFile.check(csv, field: "--csv") }
        let curve = LossLandscape(c).curve(points: points)
        var text = "t,mse,l2\n"
        text.reserveCapacity(points * 60)
        for p in curve { text += "\(p.t),\(p.mse),\(p.l2)\n" }
        if let csv {
            try OutputFile.write(Data(text.utf8), to: csv, field: "--csv")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
