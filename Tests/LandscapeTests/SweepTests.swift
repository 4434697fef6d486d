import Synchronization
import ToyModels
import XCTest

@testable import Landscape

final class SweepTests: XCTestCase {
  func testRowsMatchSinglePointMinima() throws {
    for (p1, l1, bias) in [(nil, 0.0, DecoderBias.none), (0.05, 0.05, .none), (0.1, 0.0, .optimal)]
      as [(Double?, Double, DecoderBias)]
    {
      let base = try LatentCase.hierarchy(p0: 0, p01: 0, p1: p1, l1: l1, bias: bias)
      let sweep = try Sweep(
        base: base,
        axes: [
          SweepAxis(name: "p0", from: 0, to: 0.6, count: 13),
          SweepAxis(name: "p01", from: 0, to: 0.6, count: 11),
        ])
      let rows = sweep.rows(in: 0..<sweep.count, jobs: 2)
      XCTAssertEqual(rows.count, 143)
      for (i, row) in rows.enumerated() {
        let p0 = sweep.axes[0].values[i / 11]
        let p01 = sweep.axes[1].values[i % 11]
        if p0 + p01 + (p1 ?? 0) > 1 + 1e-12 {
          XCTAssertNil(row)
          continue
        }
        let row = try XCTUnwrap(row)
        XCTAssertEqual(row.first, p0)
        XCTAssertEqual(row.second, p01)
        let single = LossLandscape(try LatentCase.hierarchy(p0: p0, p01: p01, p1: p1, l1: l1, bias: bias))
        let mse = single.minima(.mse)
        let l2 = single.minima(.l2)
        let bestMSE = try XCTUnwrap(mse.first(where: \.isGlobal))
        let bestL2 = try XCTUnwrap(l2.first(where: \.isGlobal))
        XCTAssertEqual(row.mseT, bestMSE.t, "p0 \(p0) p01 \(p01)")
        XCTAssertEqual(row.mseLoss, bestMSE.loss)
        XCTAssertEqual(row.l2T, bestL2.t)
        XCTAssertEqual(row.l2Loss, bestL2.loss)
        XCTAssertEqual(row.l2Minima, l2.count)
        XCTAssertEqual(row.parentL2Local, l2.contains { abs($0.t) <= 1e-12 })
        XCTAssertEqual(row.mergedL2Local, l2.contains { abs($0.t - 0.5) <= 1e-12 })
        if bestMSE.t < 1 {
          XCTAssertEqual(row.hedging, bestMSE.t / (1 - bestMSE.t), accuracy: 1e-15)
        }
      }
    }
  }

  /// The L2 regimes of the two-feature hierarchy (the README): the parent is a local
  /// minimum iff p01 < p0, the merged solution iff p01 > p0/2, and the parent is the
  /// global minimum iff p01 < p0/sqrt(2). Points within 1e-9 of a boundary are skipped.
  func testRegimeBoundariesOfTheHierarchy() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0, p01: 0),
      axes: [
        SweepAxis(name: "p0", from: 0.001, to: 0.5, count: 61),
        SweepAxis(name: "p01", from: 0.001, to: 0.5, count: 67),
      ])
    var checked = 0
    for case let row? in sweep.rows(in: 0..<sweep.count, jobs: 2) {
      let p0 = row.first
      let p01 = row.second!
      let near = [p01 - p0, p01 - p0 / 2, p01 - p0 / 2.0.squareRoot()].contains { abs($0) < 1e-9 }
      if near { continue }
      XCTAssertEqual(row.parentL2Local, p01 < p0, "p0 \(p0) p01 \(p01)")
      XCTAssertEqual(row.mergedL2Local, p01 > p0 / 2, "p0 \(p0) p01 \(p01)")
      XCTAssertEqual(row.l2T == 0, p01 < p0 / 2.0.squareRoot(), "p0 \(p0) p01 \(p01)")
      XCTAssertEqual(row.l2Minima, (p01 < p0 ? 1 : 0) + (p01 > p0 / 2 ? 1 : 0))
      checked += 1
    }
    XCTAssertGreaterThan(checked, 3000)
  }

  func testRowsDoNotDependOnJobsOrRange() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0.2, p01: 0, p1: 0.05, l1: 0.02),
      axes: [
        SweepAxis(name: "p01", from: 0, to: 0.7, count: 997)
      ])
    let one = sweep.rows(in: 0..<sweep.count, jobs: 1)
    let two = sweep.rows(in: 0..<sweep.count, jobs: 2)
    XCTAssertEqual(one, two)
    let shards = sweep.rows(in: 0..<400, jobs: 2) + sweep.rows(in: 400..<997, jobs: 2)
    XCTAssertEqual(one, shards)
  }

  func testACancelledSweepStopsAndThrows() throws {
    let sweep = try Sweep(
      base: try LatentCase.hierarchy(p0: 0.2, p01: 0.1),
      axes: [SweepAxis(name: "p0", from: 0, to: 0.5, count: 100_000)])
    let started = Atomic(0)
    XCTAssertThrowsError(
      try sweep.mapChunks(
        in: 0..<sweep.count, jobs: 2, chunkSize: 100,
        isCancelled: { started.load(ordering: .relaxed) >= 3 }
      ) { first, rows in
        started.wrappingAdd(1, ordering: .relaxed)
        return rows.count
      }
    ) { XCTAssertTrue($0 is CancellationError) }
    // Chunks already begun finish; no others start: far fewer than the 1000 chunks.
    XCTAssertLessThan(started.load(ordering: .relaxed), 10)
    let all = try sweep.mapChunks(in: 0..<1000, jobs: 2, chunkSize: 100, isCancelled: { false }) {
      _, rows in rows.count
    }
    XCTAssertEqual(all, [Int](repeating: 100, count: 10))
  }

  func testBadAxesAreNamed() throws {
    let base = try LatentCase.hierarchy(p0: 0.2, p01: 0.1)
    XCTAssertThrowsError(try Sweep(base: base, axes: [SweepAxis(name: "p9", values: [0.1])])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "sweep.axes")
    }
    XCTAssertThrowsError(try Sweep(base: base, axes: [SweepAxis(name: "p0", values: [1.5])])) {
      XCTAssertEqual(($0 as? FieldError)?.field, "p0")
    }
  }
}
