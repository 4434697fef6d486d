/// Flat buffers carved from one allocation and freed together (the kernel's memory).
///
/// `carve(_:)` runs its closure twice, first to measure, then on the allocation: each
/// `Carver.take(_:of:)` hands out the next region, on a cache line. The regions
/// are uninitialised; their owners write them before reading them (trivial types only:
/// Double, Int, Bool). The parts built point into the workspace and are valid while it lives.
final class Workspace {
  private let base: UnsafeMutableRawPointer
  /// Every region's start: a cache line.
  static let alignment = 64

  /// Hands out consecutive regions of the allocation (or, measuring, only counts them).
  struct Carver {
    fileprivate let base: UnsafeMutableRawPointer?
    fileprivate private(set) var bytes = 0

    /// The next region of `count` values of `type`, count >= 0, starting on a cache line (64
    /// bytes).
    mutating func take<T>(_ count: Int, of type: T.Type = T.self) -> UnsafeMutablePointer<T> {
      let alignment = max(MemoryLayout<T>.alignment, Workspace.alignment)
      bytes = (bytes + alignment - 1) / alignment * alignment
      defer { bytes += count * MemoryLayout<T>.stride }
      guard let base else {
        // Measuring: the pointer is never read; any non-null address aligned for T.
        return UnsafeMutableRawPointer(bitPattern: alignment)!.assumingMemoryBound(to: T.self)
      }
      return (base + bytes).bindMemory(to: T.self, capacity: count)
    }
  }

  private init(bytes: Int) {
    base = .allocate(byteCount: max(bytes, 1), alignment: Self.alignment)
  }

  deinit { base.deallocate() }

  /// A workspace holding every region `carve` takes, and what `carve` built from them.
  ///
  /// - Parameter carve: takes the regions its parts need, the same ones on both runs, without
  ///   reading or writing them.
  static func carve<Parts>(_ carve: (inout Carver) -> Parts) -> (Workspace, Parts) {
    var measure = Carver(base: nil)
    _ = carve(&measure)
    let workspace = Workspace(bytes: measure.bytes)
    var carver = Carver(base: workspace.base)
    let parts = carve(&carver)
    precondition(carver.bytes == measure.bytes, "the workspace's regions changed between runs")
    return (workspace, parts)
  }
}
