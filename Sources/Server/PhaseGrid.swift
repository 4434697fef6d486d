import Hummingbird
import Landscape
import ToyModels

/// The phase diagram of a two-feature hierarchy over p0 and p01 (the other settings of the
/// case held): at each grid point the MSE-optimal t and the L2 regime, as `sweep` computes
/// them; null where the probabilities sum past 1.
struct PhaseGrid: Sendable, ResponseEncodable {
  /// The grid of p0 (x) and of p01 (y): `LandscapeServer.phaseGridSize` values in [0, 1].
  var p0: [Double]
  var p01: [Double]
  /// Row-major over p01 then p0 (`mse_t[j][i]` at p0[i], p01[j]).
  var mseT: [[Double?]]
  /// 0: L2 minima elsewhere, 1: at the parent, 2: at merged, 3: both.
  var l2Regime: [[Int?]]

  private enum CodingKeys: String, CodingKey {
    case p0, p01, mseT = "mse_t", l2Regime = "l2_regime"
  }

  /// - Parameter isStopped: asked before each grid point (from the computing thread);
  ///   true stops the grid.
  /// - Throws: `FieldError` naming `case` when the case has no patterns p0 and p01;
  ///   `CancellationError` when `isStopped` said stop.
  init(_ c: LatentCase, isStopped: @escaping @Sendable () -> Bool) throws {
    let n = LandscapeServer.phaseGridSize
    let sweep: Sweep
    do {
      sweep = try Sweep(
        base: c,
        axes: [
          SweepAxis(name: "p0", from: 0, to: 1, count: n),
          SweepAxis(name: "p01", from: 0, to: 1, count: n),
        ])
    } catch let error as FieldError {
      throw FieldError(field: "case", value: "", reason: "has no phase diagram (\(error))")
    }
    p0 = sweep.axes[0].values
    p01 = sweep.axes[1].values
    let rows = try sweep.mapChunks(
      in: 0..<sweep.count, jobs: 1, chunkSize: 1, isCancelled: isStopped
    ) { _, rows in Array(rows) }.flatMap { $0 }
    mseT = (0..<n).map { j in (0..<n).map { i in rows[i * n + j]?.mseT } }
    l2Regime = (0..<n).map { j in
      (0..<n).map { i in
        rows[i * n + j].map { ($0.parentL2Local ? 1 : 0) + ($0.mergedL2Local ? 2 : 0) }
      }
    }
  }
}
