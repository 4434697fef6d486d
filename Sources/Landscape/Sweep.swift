import Foundation
import Synchronization
import ToyModels

/// One varied probability of a sweep: a pattern's name and the values it takes.
public struct SweepAxis: Sendable, Hashable {
  /// The pattern whose probability varies (`p01`).
  public var name: String
  /// The values, in order.
  public var values: [Double]

  public init(name: String, values: [Double]) {
    self.name = name
    self.values = values
  }

  /// `count` evenly spaced values from `from` to `to`, ends included (one value: `from`).
  ///
  /// v_i = (from (count - 1 - i) + to i) / (count - 1) in decimal, then the nearest Double
  /// (`decimalGridPoint`), so that the decimals of the spec come back (0:0.4:9 gives 0.15,
  /// not 0.15000000000000002).
  /// - Parameters:
  ///   - from, to: finite.
  ///   - count: at least 1.
  public init(name: String, from: Double, to: Double, count: Int) {
    precondition(count >= 1)
    self.name = name
    self.values = (0..<count).map { i in
      let x = Double(decimalGridPoint(i, of: count, from: "\(from)", to: "\(to)")!)!
      return x == 0 ? 0 : x
    }
  }
}

/// What a sweep records at one point of the probability grid.
public struct SweepRow: Sendable, Hashable {
  /// The first axis's probability.
  public var first: Double
  /// The second axis's probability, if there is a second axis.
  public var second: Double?
  /// The global MSE minimum (the lowest t on ties).
  public var mseT: Double
  public var mseLoss: Double
  /// The global L2 minimum (the lowest t on ties).
  public var l2T: Double
  public var l2Loss: Double
  /// How many local minima L2 has on the range.
  public var l2Minima: Int
  /// Whether the parent solution (t = 0) is a local minimum of L2.
  public var parentL2Local: Bool
  /// Whether the merged solution (the latent parallel to the pattern that fires parent and
  /// child: t = 1/2 for equal magnitudes) is a local minimum of L2.
  public var mergedL2Local: Bool
  /// The child/parent ratio of the latent's components at the MSE minimum (NaN when
  /// the parent component is zero).
  public var hedging: Double
}

/// A grid of firing probabilities over one case: one or two varied axes, the other
/// probabilities held at the case's values.
public struct Sweep: Sendable {
  /// The case whose probabilities vary. Must be valid apart from its probability sum.
  public let base: LatentCase
  /// One or two axes; the first varies slowest.
  public let axes: [SweepAxis]
  let indices: [Int]

  /// - Throws: `FieldError` when an axis names no pattern of the case, or there are not
  ///   one or two axes, or an axis value is not a probability.
  public init(base: LatentCase, axes: [SweepAxis]) throws {
    guard (1...2).contains(axes.count) else {
      throw FieldError(
        field: "sweep.axes", value: "\(axes.count) axes", reason: "must be one or two")
    }
    var indices: [Int] = []
    for axis in axes {
      guard let j = base.patterns.firstIndex(where: { $0.name == axis.name }) else {
        throw FieldError(
          field: "sweep.axes", value: axis.name,
          reason:
            "is not a pattern of the case (patterns: \(base.patterns.map(\.name).joined(separator: ", ")))"
        )
      }
      if indices.contains(j) {
        throw FieldError(field: "sweep.axes", value: axis.name, reason: "is varied twice")
      }
      for v in axis.values where !v.isFinite || v < 0 || v > 1 {
        throw FieldError(field: axis.name, value: "\(v)", reason: "is not a probability in [0, 1]")
      }
      indices.append(j)
    }
    self.base = base
    self.axes = axes
    self.indices = indices
  }

  /// The number of grid points (rows, counting skipped ones).
  public var count: Int { axes.reduce(1) { $0 * $1.values.count } }

  /// The row at flat index `i` (the first axis varies slowest), or nil when its
  /// probabilities sum past 1.
  ///
  /// - Parameters:
  ///   - landscape: a landscape of `base`, reweighted in place (reuse one per thread:
  ///     without a bias that makes a point cost well under a microsecond).
  ///   - probabilities: the pattern probabilities, overwritten at the varied patterns.
  func row(at i: Int, reusing landscape: inout LossLandscape, scratch probabilities: inout [Double])
    -> SweepRow?
  {
    let first: Double
    let second: Double?
    if axes.count == 1 {
      first = axes[0].values[i]
      second = nil
    } else {
      let n = axes[1].values.count
      first = axes[0].values[i / n]
      second = axes[1].values[i % n]
    }
    probabilities[indices[0]] = first
    if let second { probabilities[indices[1]] = second }
    var sum = 0.0
    for p in probabilities { sum += p }
    if sum > 1 + Tolerance.probabilitySum { return nil }
    landscape.reweight(probabilities)
    let mse = landscape.withMinima(.mse) { $0.first(where: \.isGlobal) }
    let merged = landscape.mergedT
    let l2 = landscape.withMinima(.l2) { minima in
      (
        best: minima.first(where: \.isGlobal), count: minima.count,
        parent: minima.contains { Tolerance.isSameT($0.t, 0) },
        merged: merged.map { m in minima.contains { Tolerance.isSameT($0.t, m) } } ?? false
      )
    }
    guard let bestMSE = mse, let bestL2 = l2.best else { return nil }
    return SweepRow(
      first: first, second: second, mseT: bestMSE.t, mseLoss: bestMSE.loss, l2T: bestL2.t,
      l2Loss: bestL2.loss, l2Minima: l2.count, parentL2Local: l2.parent, mergedL2Local: l2.merged,
      hedging: landscape.hedging(at: bestMSE.t))
  }

  /// The rows with flat indices in `range`, computed on `jobs` threads; nil for points
  /// whose probabilities sum past 1. The result does not depend on `jobs`.
  ///
  /// - Parameters:
  ///   - range: a sub-range of 0..<count.
  ///   - jobs: threads, at least 1.
  ///   - progress: called now and then with the number of rows done (from any thread).
  public func rows(
    in range: Range<Int>, jobs: Int, progress: (@Sendable (Int) -> Void)? = nil
  ) -> [SweepRow?] {
    mapChunks(in: range, jobs: jobs, progress: progress) { _, rows in Array(rows) }.flatMap { $0 }
  }

  /// `mapChunks` that stops when `isCancelled` says so (asked before each chunk, from any
  /// thread): no further chunk starts and it throws `CancellationError` (a server drops a
  /// sweep whose client has gone this way).
  public func mapChunks<T>(
    in range: Range<Int>, jobs: Int, chunkSize: Int = 4096,
    progress: (@Sendable (Int) -> Void)? = nil, isCancelled: @escaping @Sendable () -> Bool,
    _ transform: @Sendable (_ first: Int, _ rows: UnsafeBufferPointer<SweepRow?>) -> T
  ) throws(CancellationError) -> [T] {
    guard
      let results = chunks(
        in: range, jobs: jobs, chunkSize: chunkSize, progress: progress,
        isCancelled: isCancelled, transform)
    else { throw CancellationError() }
    return results
  }

  /// Computes the rows in `range` chunk by chunk on `jobs` threads and hands each chunk
  /// to `transform` on the thread that computed it (so a chunk can be formatted while it
  /// is in cache); returns the transforms' results in chunk order, independent of `jobs`.
  ///
  /// - Parameters:
  ///   - range: a sub-range of 0..<count.
  ///   - jobs: threads, at least 1.
  ///   - chunkSize: rows per chunk, at least 1.
  ///   - progress: called now and then with the number of rows done (from any thread).
  ///   - transform: the chunk's first flat index and its rows (nil: skipped).
  public func mapChunks<T>(
    in range: Range<Int>, jobs: Int, chunkSize: Int = 4096,
    progress: (@Sendable (Int) -> Void)? = nil,
    _ transform: @Sendable (_ first: Int, _ rows: UnsafeBufferPointer<SweepRow?>) -> T
  ) -> [T] {
    // Never cancelled, so never nil.
    chunks(
      in: range, jobs: jobs, chunkSize: chunkSize, progress: progress, isCancelled: nil,
      transform)!
  }

  /// The chunks' results, or nil when `isCancelled` said stop.
  private func chunks<T>(
    in range: Range<Int>, jobs: Int, chunkSize: Int, progress: (@Sendable (Int) -> Void)?,
    isCancelled: (@Sendable () -> Bool)?,
    _ transform: @Sendable (_ first: Int, _ rows: UnsafeBufferPointer<SweepRow?>) -> T
  ) -> [T]? {
    let total = range.count
    guard total > 0 else { return [] }
    let cancelled = Atomic(false)
    let chunks = (total + chunkSize - 1) / chunkSize
    let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: chunks)
    results.initialize(repeating: nil)
    defer {
      results.deinitialize()
      results.deallocate()
    }
    let shared = SendableBuffer(results)
    // The next chunk to claim and the rows done so far (the results are read only after
    // every thread has finished, so no ordering beyond the counts' own is needed).
    let next = Atomic(0)
    let done = Atomic(0)
    let template = LossLandscape(base)
    DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, chunks))) { _ in
      var landscape = template
      var scratch = base.patterns.map(\.probability)
      var rows = [SweepRow?](repeating: nil, count: chunkSize)
      while true {
        if let isCancelled, isCancelled() { cancelled.store(true, ordering: .relaxed) }
        if cancelled.load(ordering: .relaxed) { break }
        let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if c >= chunks { break }
        let start = range.lowerBound + c * chunkSize
        let end = min(range.upperBound, start + chunkSize)
        for i in start..<end {
          rows[i - start] = row(at: i, reusing: &landscape, scratch: &scratch)
        }
        shared.buffer[c] = rows.withUnsafeBufferPointer {
          transform(start, UnsafeBufferPointer(rebasing: $0[0..<(end - start)]))
        }
        progress?(done.wrappingAdd(end - start, ordering: .relaxed).newValue)
      }
    }
    if cancelled.load(ordering: .relaxed) { return nil }
    return results.map { $0! }
  }
}

/// A buffer shared by threads that write disjoint elements.
private struct SendableBuffer<T>: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<T>
  init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}

/// The i-th of `count` evenly spaced values from `from` to `to` as decimal text, as a grid
/// `A:B:N` is written: v_i = (from (count - 1 - i) + to i) / (count - 1), computed in
/// decimal (38 digits).
///
/// A value with a finite decimal expansion that a Double holds exactly as written comes
/// back as that decimal (`0.15`, `7`); any other (1/3) as the shortest text of the nearest
/// Double (`0.3333333333333333`).
/// - Parameters:
///   - i: in 0..<count.
///   - count: at least 1 (one value: `from`).
///   - from, to: decimal numbers (`0.25`, `-3`, `1e-05`).
/// - Returns: nil when `from` or `to` is not a finite number.
public func decimalGridPoint(_ i: Int, of count: Int, from: String, to: String) -> String? {
  let posix = Locale(identifier: "en_US_POSIX")
  guard let x = Double(from), x.isFinite, let y = Double(to), y.isFinite,
    let a = Decimal(string: from, locale: posix), let b = Decimal(string: to, locale: posix)
  else { return nil }
  if count <= 1 || i == 0 { return "\(a)" }
  if i == count - 1 { return "\(b)" }
  let n = Decimal(count - 1)
  let v = (a * (n - Decimal(i)) + b * Decimal(i)) / n
  let text = "\(v)"
  guard let nearest = Double(text) else { return nil }
  return Decimal(string: "\(nearest)", locale: posix) == v ? text : "\(nearest)"
}

/// The i-th of `count` evenly spaced values from `from` to `to`, ends included:
/// (from (count - 1 - i) + to i) / (count - 1), the ends exactly `from` and `to`, and 0
/// for a negative zero (one value: `from`).
public func gridPoint(_ i: Int, of count: Int, from: Double, to: Double) -> Double {
  guard count > 1, i > 0 else { return from == 0 ? 0 : from }
  if i == count - 1 { return to == 0 ? 0 : to }
  let n = Double(count - 1)
  let v = (from * (n - Double(i)) + to * Double(i)) / n
  return v == 0 ? 0 : v
}
