import Foundation
import XCTest

/// Numbers that once trapped or hung the figure path (issue 21), each run as a real process
/// with a timeout: a trap or a hang fails the test instead of ending the suite.
final class NumericTrapTests: CommandTestCase {
  /// A t range narrower than an axis can label is refused where it enters, naming the flags
  /// (an invalid option value: exit 2), before anything is drawn: one ulp wide at 0.5 (PLplot's tick loop never advanced) and
  /// [0, 5e-324] (the tick step was not a number).
  func testATRangeTooNarrowToLabelIsRefused() throws {
    for (tMin, tMax) in [("0.5", "0.5000000000000001"), ("0", "5e-324"), ("-1e6", "-999999.9999")] {
      let r = try runLandscape(
        [
          "curve", "--p0", "0.3", "--p01", "0.1", "--t-min", tMin, "--t-max", tMax,
          "--plot", "narrow.png",
        ], in: folder, timeout: 60)
      let stderr = r.stderr
      XCTAssertEqual(r.status, 2, stderr)
      XCTAssertTrue(stderr.hasPrefix("landscape: --t-min/--t-max: "), stderr)
      XCTAssertTrue(stderr.contains("is too narrow"), stderr)
      XCTAssertFalse(
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("narrow.png").path))
    }
    // 2e-9 wide at 0.5 is wide enough: drawn.
    let wide = try landscape([
      "curve", "--p0", "0.3", "--p01", "0.1", "--t-min", "0.5", "--t-max", "0.500000002",
      "--plot", "wide.png",
    ])
    XCTAssertEqual(wide.status, 0, wide.stderr)
  }

  /// Magnitudes 1e-158 square to subnormal losses: they print as the numbers they are and
  /// their figure is drawn (flat at 0 on its axis).
  func testSubnormalLossesPrintAndDraw() throws {
    let r = try landscape([
      "curve", "--p0", "0.3", "--p01", "0.1", "--parent-magnitude", "1e-158",
      "--child-magnitude", "1e-158", "--points", "3",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let rows = r.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    XCTAssertEqual(rows.first, ["t", "mse", "l2"])
    // By hand, with m = 1e-158 (tied latent l(t), pattern x, error |x - (l . x)^+ l|^2):
    // t = 0 (the parent): only parent-and-child errs, by m^2: mse = 0.1 m^2.
    // t = 1/2 (merged): the parent alone errs by m^2 / 2: mse = 0.15 m^2.
    // t = 1 (the child): parent alone errs by m^2, both by m^2: mse = 0.4 m^2.
    let m2 = 1e-158 * 1e-158
    for (row, (t, mse)) in zip(rows.dropFirst(), [(0.0, 0.1 * m2), (0.5, 0.15 * m2), (1, 0.4 * m2)])
    {
      XCTAssertEqual(row.count, 3, "\(row)")
      guard row.count == 3 else { continue }
      XCTAssertEqual(Double(row[0]), t)
      let value = try XCTUnwrap(Double(row[1]), row[1])
      XCTAssertGreaterThan(value, 0, row[1])
      // A subnormal carries ~7 digits here (m^2 is 2e7 steps of 2^-1074).
      XCTAssertEqual(value, mse, accuracy: 1e-6 * mse, row[1])
    }
    let plot = try landscape([
      "curve", "--p0", "0.3", "--p01", "0.1", "--parent-magnitude", "1e-158",
      "--child-magnitude", "1e-158", "--points", "3", "--plot", "tiny.png",
    ])
    XCTAssertEqual(plot.status, 0, plot.stderr)
    let png = try Data(contentsOf: folder.appendingPathComponent("tiny.png"))
    XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
  }
}
