import Foundation
import XCTest

/// The page in a real browser: headless Chromium driven by selenium (Debian's chromium,
/// chromium-driver and python3-selenium, which `make test` installs) against a
/// `landscape serve` started here on a free port. Skipped, saying why, when they are missing.
final class ServerBrowserTests: XCTestCase {
  /// A Python with selenium: Debian's first (python3-selenium), then the one on PATH.
  static func python() -> String? {
    for candidate in ["/usr/bin/python3", "python3"] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [candidate, "-c", "import selenium"]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      guard (try? process.run()) != nil else { continue }
      process.waitUntilExit()
      if process.terminationStatus == 0 { return candidate }
    }
    return nil
  }

  func testSliderRedrawMatchesMinimaAndPhaseClickMovesSliders() throws {
    let fm = FileManager.default
    guard fm.isExecutableFile(atPath: "/usr/bin/chromium"),
      fm.isExecutableFile(atPath: "/usr/bin/chromedriver")
    else {
      throw XCTSkip(
        "no headless browser: apt-get install chromium chromium-driver (make test does)")
    }
    guard let python = Self.python() else {
      throw XCTSkip("no selenium: apt-get install python3-selenium (make test does)")
    }
    let binary = try XCTUnwrap(ServerBinary.url, "the landscape binary is not built")

    // The server, on a free port; its first line gives the address.
    let server = Process()
    server.executableURL = binary
    server.arguments = ["serve", "--port", "0"]
    server.currentDirectoryURL = ServerBinary.root
    let out = Pipe()
    server.standardOutput = out
    // Its standard error (the server's log) in a file, read after the page left.
    let logFile = fm.temporaryDirectory.appendingPathComponent("landscape-serve-\(UUID().uuidString).log")
    fm.createFile(atPath: logFile.path, contents: nil)
    defer { try? fm.removeItem(at: logFile) }
    server.standardError = try FileHandle(forWritingTo: logFile)
    try server.run()
    defer {
      if server.isRunning { server.interrupt() }
      server.waitUntilExit()
    }
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    let address = try XCTUnwrap(
      line.split(separator: " ").first { $0.hasPrefix("http://") }, "serve printed \(line)")

    let shots = fm.temporaryDirectory.appendingPathComponent("landscape-page-\(UUID().uuidString)")
    try fm.createDirectory(at: shots, withIntermediateDirectories: true)
    print("screenshots: \(shots.path)")
    let script = ServerBinary.root.appendingPathComponent("Tests/ServerTests/browser_check.py")
    let browser = Process()
    browser.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    browser.arguments = [python, script.path, "\(address)?p0=0.3&p01=0.1", shots.path]
    let result = Pipe()
    let errors = Pipe()
    browser.standardOutput = result
    browser.standardError = errors
    try browser.run()
    let data = result.fileHandleForReading.readDataToEndOfFile()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    browser.waitUntilExit()
    XCTAssertEqual(browser.terminationStatus, 0, stderr)
    let shown = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: data) as? [String: Any], "browser printed nothing")

    // One ArrowRight on the p01 slider (step 0.01): 0.1 -> 0.11, and the URL says so.
    XCTAssertEqual(shown["p01"] as? String, "0.11")
    XCTAssertEqual(shown["p0"] as? String, "0.3")
    XCTAssertTrue((shown["url"] as? String)?.hasSuffix("?p0=0.3&p01=0.11") == true)

    // The MSE minimum the page shows is `landscape minima`'s for the same values...
    let run = try ServerBinary.run(["minima", "--p0", "0.3", "--p01", "0.11", "--json"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let report = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
    let mse = try XCTUnwrap((report["mse"] as? [String: Any])?["minima"] as? [[String: Any]])
    let global = try XCTUnwrap(mse.first { $0["global"] as? Bool == true })
    let cliT = try XCTUnwrap(global["t"] as? Double)
    let pageT = try XCTUnwrap(Double(shown["mse_t"] as? String ?? ""))
    XCTAssertEqual(pageT, cliT, accuracy: 1e-9)
    // The table shows t to 6 significant digits (the JSON keeps them all).
    XCTAssertEqual(Double(shown["mse_t_text"] as? String ?? "") ?? .nan, pageT, accuracy: 5e-7)
    // ... and the closed form, by hand: t* = 2 p01 / (p0 + 2 p01 + sqrt(p0^2 + 4 p01^2)).
    let (p0, p01) = (0.3, 0.11)
    let closedForm = 2 * p01 / (p0 + 2 * p01 + (p0 * p0 + 4 * p01 * p01).squareRoot())
    XCTAssertEqual(pageT, closedForm, accuracy: 1e-12)

    // A click on the phase diagram at a quarter of its width and height sets p0 = p01 = 0.25.
    XCTAssertEqual(shown["clicked_p0"] as? String, "0.25")
    XCTAssertEqual(shown["clicked_p01"] as? String, "0.25")
    XCTAssertEqual(shown["error_line"] as? String, "")

    // The page's own bugs, fixed: the phase diagram has axes and a colour bar and takes
    // arrow keys; the p1 checkbox enables its slider; an invalid state greys the results
    // and says so in words, rounded; downloads are named after the state; narrow, the
    // chart comes first.
    XCTAssertEqual(shown["phase_axes"] as? String, "p0,p01,colour-bar")
    XCTAssertEqual(shown["arrow_p0"] as? String, "0.26")
    XCTAssertEqual(shown["p1_enabled"] as? Bool, true)
    XCTAssertEqual(shown["stale"] as? Bool, true)
    XCTAssertEqual(shown["stale_after_fix"] as? Bool, false)
    let message = shown["invalid_message"] as? String ?? ""
    XCTAssertTrue(message.hasPrefix("The firing probabilities add up to"), message)
    XCTAssertFalse(message.contains("--"), message)
    XCTAssertLessThan(message.count, 90, message)
    XCTAssertEqual(shown["download_name"] as? String, "p0-0_p01-0.25_p1-0.png")
    XCTAssertEqual(shown["chart_above_controls"] as? Bool, true)

    // The Train section's run (two latents, L2 loss, one start, 2000 steps, set from the
    // page's fields): each latent's hedging mass is train --json's for the same values.
    XCTAssertEqual(shown["train_status"] as? String, "done", "\(shown["train_error"] ?? "")")
    let trained = try ServerBinary.run([
      "train", "cases/sae-untied-hierarchy.json", "--set", "sae.latents=2", "--set",
      "train.loss=l2", "--set", "train.starts=1", "--set", "train.steps=2000", "--json",
    ])
    XCTAssertEqual(trained.status, 0, trained.stderr)
    let trainReport = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: trained.stdout) as? [String: Any])
    let masses = try XCTUnwrap(trainReport["decoder_latents"] as? [[String: Any]]).map {
      try XCTUnwrap($0["hedging_mass"] as? Double)
    }
    let pageMasses = (shown["train_hedging"] as? [String] ?? []).compactMap(Double.init)
    XCTAssertEqual(pageMasses.count, 2)
    for (page, cli) in zip(pageMasses, masses) { XCTAssertEqual(page, cli, accuracy: 1e-9) }
    XCTAssertTrue((shown["train_figure"] as? String)?.hasSuffix("/figure.png") == true)
    // The page left mid-run: the server cancelled the run and said so.
    XCTAssertEqual(shown["left_mid_run"] as? Bool, true)
    var serverLog = ""
    for _ in 0..<100 where !serverLog.contains("cancelling") {
      Thread.sleep(forTimeInterval: 0.1)
      serverLog = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
    XCTAssertTrue(serverLog.contains("cancelling"), serverLog)

    // No JavaScript error (nor any other severe message) in the console.
    let log = shown["log"] as? [[String: Any]] ?? []
    let severe = log.filter {
      ($0["level"] as? String) == "SEVERE" || ($0["source"] as? String) == "javascript"
    }
    XCTAssertTrue(severe.isEmpty, "the page logged: \(severe)")
    let pictures = try fm.contentsOfDirectory(atPath: shots.path).filter { $0.hasSuffix(".png") }
    XCTAssertEqual(pictures.count, 5, "screenshots in \(shots.path)")
  }
}
