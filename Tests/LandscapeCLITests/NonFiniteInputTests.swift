import Foundation
import XCTest

/// Finite inputs whose results overflowed (issue 21 item 9), and option values the parser
/// misread (item 18), each run as a real process: one line on stderr naming the field and
/// the value, nothing on stdout (text or `--json`), and the status of an input error.
final class NonFiniteInputTests: CommandTestCase {
  /// A two-feature SAE case with exact data (4 patterns: none, parent, both, child).
  private func saeCase(lr: String = "0.01") throws -> String {
    try write(
      "sae-case.json",
      """
      {"features": ["parent", "child"],
       "hierarchy": {"independent": [{"feature": "parent", "probability": 0.25},
                                     {"feature": "child", "probability": 0.2}]},
       "sae": {"latents": 1}, "train": {"data": "exact", "steps": 10, "lr": \(lr)}}
      """)
  }

  /// Runs `arguments` with and without `--json`: both fail with `status` and the same one
  /// line starting with `prefix`, and print nothing on stdout.
  private func assertRefused(
    _ arguments: [String], status: Int32, prefix: String, file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    var lines: [String] = []
    for json in [false, true] {
      let run = try landscape(arguments + (json ? ["--json"] : []))
      XCTAssertEqual(run.status, status, run.stderr, file: file, line: line)
      XCTAssertEqual(run.stdout, "", file: file, line: line)
      XCTAssertTrue(run.stderr.hasPrefix(prefix), run.stderr, file: file, line: line)
      XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 1, run.stderr, file: file, line: line)
      lines.append(run.stderr)
    }
    XCTAssertEqual(lines[0], lines[1], file: file, line: line)
  }

  /// An SAE file whose weights are 1e200 squared its errors to inf: refused where it is read.
  func testSAEFileWithHugeWeightsIsRefused() throws {
    let c = try saeCase()
    let sae = try write(
      "huge.json",
      """
      {"features": ["parent", "child"], "tied": false, "activation": "relu",
       "decoder": [[1e200, 0]], "decoder_bias": [0, 0], "encoder": [[1, 0]], "encoder_bias": [0]}
      """)
    try assertRefused(
      ["sae-loss", c, "--sae", sae], status: 2,
      prefix: "landscape: --sae: \(sae) is not an SAE file: decoder[0][0]: 1e+200 is not a "
        + "finite number of size at most 1000000000000.0")
    // At the limit the losses are finite: 0.25 * (1 - 1e12)^2 + 0.2 (the child, unseen).
    let edge = try write(
      "edge.json",
      """
      {"features": ["parent", "child"], "tied": false, "activation": "relu",
       "decoder": [[1e12, 0]], "decoder_bias": [0, 0], "encoder": [[1, 0]], "encoder_bias": [0]}
      """)
    let run = try landscape(["sae-loss", c, "--sae", edge, "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let m = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let expected = 0.25 * (1 - 1e12) * (1 - 1e12) + 0.2
    XCTAssertEqual(try XCTUnwrap(m["mse"] as? Double), expected, accuracy: expected * 1e-12)
  }

  /// train.lr 1e308 in a case file (the flag's range is (0, 10]) overflowed the weights at
  /// the first step: the case's field is refused, for an SAE case and a single-latent case.
  func testCaseFileLearningRateIsBoundedAsTheFlag() throws {
    let sae = try saeCase(lr: "1e308")
    try assertRefused(
      ["train", sae], status: 1, prefix: "landscape: \(sae): train.lr: 1e+308 is not in (0, 10]")
    let single = try write(
      "single.json",
      """
      {"features": ["parent", "child"],
       "patterns": [{"name": "p0", "probability": 0.3, "fires": {"parent": 1}},
                    {"name": "p01", "probability": 0.1, "fires": {"parent": 1, "child": 1}}],
       "train": {"steps": 10, "lr": 1e308}}
      """)
    try assertRefused(
      ["train", single], status: 1,
      prefix: "landscape: \(single): train.lr: 1e+308 is not in (0, 10]")
    // 10, the flag's largest, is accepted.
    XCTAssertEqual(try landscape(["train", try saeCase(lr: "10"), "--json"]).status, 0)
  }

  /// A zero decoder row is a latent with no direction: renormalisation leaves it at zero, so
  /// grow measures it as a dead latent, every loss finite.
  func testGrowFromAZeroDecoderRowIsFinite() throws {
    let c = try saeCase()
    let sae = try write(
      "zero.json",
      """
      {"features": ["parent", "child"], "tied": false, "activation": "relu",
       "decoder": [[0, 0], [1, 0]], "decoder_bias": [0, 0], "encoder": [[0, 0], [1, 0]],
       "encoder_bias": [0, 0]}
      """)
    let run = try landscape(["grow", c, "--init-from", sae, "--add", "1", "--steps", "10", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let o = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    // The first width, untrained: the dead latent reconstructs nothing, the second the
    // parent, so the child's mass is lost: mse = P(child) = 0.2 (the decoder bias is 0).
    let mse = try XCTUnwrap(o["mse"] as? [Double])
    XCTAssertEqual(mse.count, 2)
    XCTAssertEqual(mse[0], 0.2, accuracy: 1e-15)
    XCTAssertTrue(mse.allSatisfy(\.isFinite))
    XCTAssertEqual((o["true_hedging_mass"] as? [Double])?.count, 2)
    XCTAssertFalse(try landscape(["grow", c, "--init-from", sae, "--add", "1", "--steps", "10"])
      .stdout.contains("nan"))
  }

  /// lambda 1e308 with magnitudes 1e6 made every loss inf: the penalty is bounded where it
  /// enters (the flag is an invalid option value: exit 2).
  func testPenaltyIsBounded() throws {
    try assertRefused(
      [
        "minima", "--p0", "0.3", "--p01", "0.1", "--parent-magnitude", "1e6",
        "--child-magnitude", "1e6", "--l1", "1e308",
      ], status: 2, prefix: "landscape: --l1: 1e+308 is not in [0, 1000000.0]")
    let c = try write(
      "penalty.json",
      """
      {"features": ["parent", "child"],
       "patterns": [{"name": "p0", "probability": 0.3, "fires": {"parent": 1e6}}],
       "penalty": {"coefficient": 1e308}}
      """)
    try assertRefused(
      ["minima", c], status: 1,
      prefix: "landscape: \(c): penalty.coefficient: 1e+308 is not in [0, 1000000.0]")
  }

  /// A negative value after a number option was read as an option ("Missing value for
  /// '--seed <seed>'"): every number option takes it and answers with its range.
  func testNegativeNumbersReachTheirRangeCheck() throws {
    let c = try saeCase()
    for arguments in [
      ["minima", "--p0", "0.3", "--p01", "0.1", "--l1", "-0.5"],
      ["minima", "--p0", "-1", "--p01", "0.1"],
      ["curve", "--p0", "0.3", "--p01", "0.1", "--points", "-3"],
      ["sae-loss", c, "--sae", "x.json", "--seed", "-1"],
      ["sae-loss", c, "--sae", "x.json", "--samples", "-1"],
      ["grow", c, "--add", "-1"], ["grow", c, "--seed", "-1"], ["grow", c, "--dim", "-5"],
      ["grow", c, "--correlation-scales", "-0.5"], ["train", c, "--lr", "-1"],
      ["ensemble", c, "--members", "-2"], ["balance", c, "--seeds", "-1"],
      ["reproduce", "--phase-points", "-1"], ["serve", "--port", "-1"],
      ["serve", "--cpu-budget", "-1"],
    ] {
      let run = try landscape(arguments)
      XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
      XCTAssertFalse(run.stderr.contains("Missing value"), "\(arguments): \(run.stderr)")
      // The flag given the negative value.
      let flag = arguments[arguments.firstIndex { $0.hasPrefix("-") && !$0.hasPrefix("--") }! - 1]
      XCTAssertTrue(run.stderr.contains(flag), "\(arguments): \(run.stderr)")
    }
    // Where negatives are allowed they are taken: t from -0.5.
    let run = try landscape(["minima", "--p0", "0.3", "--p01", "0.1", "--t-min", "-0.5", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    XCTAssertTrue(run.stdout.contains(#""t":[-0.5,1]"#), run.stdout)
  }
}

/// `serve --port P` with P taken printed NIO's "bind(descriptor:ptr:bytes:): Address
/// already in use) (errno: 98)" (issue 21 item 18): one line naming --port and the value.
final class ServePortInUseTests: CommandTestCase {
  func testAPortInUseNamesTheOption() throws {
    // Hold a port: bind a socket to a free one and listen.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && listen(fd, 1) == 0
          && getsockname(fd, pointer, &length) == 0
      }
    }
    XCTAssertTrue(bound)
    let port = Int(UInt16(bigEndian: address.sin_port))
    let run = try runLandscape(["serve", "--port", "\(port)"], in: folder, timeout: 30)
    XCTAssertEqual(run.status, 1, run.stderr)
    XCTAssertTrue(
      run.stderr.hasSuffix(
        "landscape: --port: \(port) is in use on 127.0.0.1: another process listens there "
          + "(0 picks a free port)\n"), run.stderr)
    // The warning that no cases/ folder is here, then the error: nothing else.
    XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 2, run.stderr)
  }
}
