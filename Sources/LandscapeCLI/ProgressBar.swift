import Foundation

/// A progress bar on standard error, shown only when standard error is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let lock = NSLock()
    private var shown = -1

    /// nil when standard error is not a terminal or the work is small.
    init?(total: Int, label: String, minimum: Int = 200_000) {
        guard isatty(STDERR_FILENO) == 1, total >= minimum else { return nil }
        self.total = total
        self.label = label
    }

    func update(_ done: Int) {
        let percent = total == 0 ? 100 : done * 100 / total
        lock.lock()
        defer { lock.unlock() }
        guard percent != shown else { return }
        shown = percent
        let width = 30, filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
