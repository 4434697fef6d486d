import Landscape

/// The heat map of a sweep (drawn once the plotting module lands).
enum SweepFigure {
    static func render(sweep: Sweep, rows: [SweepRow?], range: Range<Int>, column: String, to path: String) throws {
        throw CaseError(field: "--plot", value: path, reason: "cannot be drawn yet")
    }
}
