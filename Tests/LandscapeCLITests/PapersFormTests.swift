import Foundation
import XCTest

/// The paper's form (`--p-parent`, `--p-child-if-parent`, `--p-child-if-no-parent`) in
/// `sweep`: the hierarchy it gives is the base whose patterns `--vary` varies.
final class PapersFormTests: CommandTestCase {
  /// P(parent) = 0.4, P(child | parent) = 0.25 is p0 = 0.4 * 0.75 = 0.3, p01 = 0.1 (exact
  /// decimals): varying p01 over 0, 0.1, 0.2 is the shorthand's sweep at p0 = 0.3.
  func testSweepVariesThePapersForm() throws {
    let paper = try landscape([
      "sweep", "--p-parent", "0.4", "--p-child-if-parent", "0.25", "--vary", "p01=0,0.1,0.2",
    ])
    XCTAssertEqual(paper.status, 0, paper.stderr)
    let shorthand = try landscape(["sweep", "--p0", "0.3", "--p01", "0,0.1,0.2"])
    XCTAssertEqual(shorthand.status, 0, shorthand.stderr)
    XCTAssertEqual(paper.stdout, shorthand.stdout)
    XCTAssertEqual(paper.stdout.split(separator: "\n").count, 4)
  }

  /// Without a grid, or with the shorthand's grids, the paper's form is refused.
  func testSweepRefusesThePapersFormWithoutVary() throws {
    let bare = try landscape(["sweep", "--p-parent", "0.4", "--p-child-if-parent", "0.25"])
    XCTAssertEqual(bare.status, 2)
    XCTAssertTrue(bare.stderr.contains("needs --vary NAME=A:B:N"), bare.stderr)
    let both = try landscape([
      "sweep", "--p-parent", "0.4", "--p-child-if-parent", "0.25", "--p01", "0:0.5:3",
    ])
    XCTAssertEqual(both.status, 2)
    XCTAssertTrue(both.stderr.contains("Give the paper's form or --p0/--p01/--p1"), both.stderr)
  }
}
