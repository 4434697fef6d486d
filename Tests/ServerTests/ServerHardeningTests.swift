import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

@testable import Server

/// Issue 21's server items: exact arithmetic that overflows is a 400, the served folder is
/// only the folder, silent connections are closed, a moved binary serves its page, serve
/// without cases/ says so, SIGTERM stops at once with a computation in flight.
final class ServerHardeningTests: XCTestCase {
  func testSymbolicOverflowAnswers400WithTheCLIsLine() async throws {
    let server = try ServerConcurrencyTests.server()
    let app = Application(router: buildRouter(server, pools: ComputePools()))
    for magnitude in ["1e-320", "123456.789012345"] {
      let run = try ServerBinary.run([
        "symbolic", "--p0", "0.3", "--p01", "0.1", "--parent-magnitude", magnitude, "--json",
      ])
      XCTAssertEqual(run.status, 1)
      try await app.test(.router) { client in
        let response = try await client.execute(
          uri: "/api/symbolic?p0=0.3&p01=0.1&parent-magnitude=\(magnitude)", method: .get)
        XCTAssertEqual(response.status, .badRequest)
        let line = ServerRouteTests.errorLine(response.body) ?? ""
        XCTAssertEqual("landscape: " + line + "\n", run.stderr)
        XCTAssertTrue(line.hasPrefix("exact arithmetic overflowed 128 bits"), line)
      }
    }
  }

  func testOnlyFilesInTheServedFolderAreRead() throws {
    let fm = FileManager.default
    let base = fm.temporaryDirectory.appendingPathComponent("landscape-links-\(UUID())")
    let folder = base.appendingPathComponent("cases")
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? fm.removeItem(at: base) }
    let source = URL(fileURLWithPath: ServerRouteTests.casesFolder)
    try fm.copyItem(
      at: source.appendingPathComponent("skew-parent.json"),
      to: folder.appendingPathComponent("skew-parent.json"))
    try fm.copyItem(
      at: source.appendingPathComponent("skew-merged.json"),
      to: base.appendingPathComponent("secret.json"))
    // A link to a file in the folder is served; one to a file outside it is not.
    try fm.createSymbolicLink(
      atPath: folder.appendingPathComponent("alias.json").path, withDestinationPath: "skew-parent.json")
    try fm.createSymbolicLink(
      atPath: folder.appendingPathComponent("leak.json").path,
      withDestinationPath: "../secret.json")
    var outside: [String] = []
    let served = try LandscapeServer.cases(in: folder.path) { outside.append($0) }
    XCTAssertEqual(served.map(\.name), ["alias", "skew-parent"])
    XCTAssertEqual(outside, [folder.appendingPathComponent("leak.json").path])
  }

  /// Connects to 127.0.0.1:`port`, sends `text`, and waits (at most 30 s) for the server
  /// to close the connection: whether it did.
  static func serverCloses(port: Int, after text: String) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { return false }
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    if !text.isEmpty { _ = text.withCString { send(fd, $0, strlen($0), 0) } }
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = recv(fd, &buffer, buffer.count, 0)
      if n == 0 { return true }  // closed by the server
      if n < 0 { return false }  // the 30 s passed, or an error
    }
  }

  func testSilentConnectionsAndHalfHeadersAreClosed() async throws {
    let limits = ServeLimits(idleTimeout: 0.5)
    let server = try ServerConcurrencyTests.server()
    let app = buildApplication(
      server, pools: ComputePools(limits), limits: limits, host: "127.0.0.1", port: 0)
    try await app.test(.live) { client in
      let port = try XCTUnwrap(client.port)
      XCTAssertTrue(Self.serverCloses(port: port, after: ""), "a silent connection")
      XCTAssertTrue(
        Self.serverCloses(port: port, after: "GET /api/minima?p0=0.3&p01=0.1 HTTP/1.1\r\nHo"),
        "half a header")
    }
  }

  /// The binary copied elsewhere and run where there is no cases/ folder: one line says
  /// so, and the page (embedded) and the API answer.
  func testAMovedBinaryServesItsPageWithoutCases() async throws {
    let fm = FileManager.default
    let folder = fm.temporaryDirectory.appendingPathComponent("landscape-moved-\(UUID())")
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? fm.removeItem(at: folder) }
    let binary = folder.appendingPathComponent("landscape")
    try fm.copyItem(at: try XCTUnwrap(ServerBinary.url), to: binary)
    let serve = try Serve(binary: binary, arguments: [], in: folder)
    defer { serve.stop() }
    XCTAssertEqual(
      serve.stderrLine(),
      "landscape: warning: no cases/ folder here: serving no case files, only the hierarchy "
        + "flags (--cases)")
    let page = try Data(
      contentsOf: ServerBinary.root.appendingPathComponent("Sources/Server/Page/page.js"))
    try await TestClient.withClient(host: "127.0.0.1", port: serve.port) { client in
      let js = try await client.get("/page.js")
      XCTAssertEqual(js.status, .ok)
      XCTAssertEqual(Data(buffer: js.body ?? ByteBuffer()), page)
      let html = try await client.get("/?p0=0.3&p01=0.1")
      XCTAssertTrue(String(buffer: html.body ?? ByteBuffer()).contains("<script src=\"/page.js\">"))
      let cases = try await client.get("/api/cases")
      XCTAssertEqual(String(buffer: cases.body ?? ByteBuffer()), "[]\n")
    }
  }

  /// SIGTERM with a worst-case computation in flight (a CPU budget of 600 s): the server
  /// exits at once, not when the computation ends (tens of seconds).
  func testSIGTERMStopsWithAComputationInFlight() async throws {
    let serve = try Serve(
      binary: try XCTUnwrap(ServerBinary.url), arguments: ["--cpu-budget", "600"],
      in: ServerBinary.root)
    defer { serve.stop() }
    let client = TestClient(host: "127.0.0.1", port: serve.port)
    client.connect()
    let answer = Task { try await client.get(ServerConcurrencyTests.worstPhase) }
    // The server answers another request meanwhile (the heavy one is read by then).
    try await TestClient.withClient(host: "127.0.0.1", port: serve.port) { other in
      let minima = try await other.get("/api/minima?p0=0.3&p01=0.1")
      XCTAssertEqual(minima.status, .ok)
    }
    try await Task.sleep(for: .milliseconds(500))  // let the phase diagram start
    serve.process.terminate()
    let exited = try await ComputePoolTests.until { !serve.process.isRunning }
    XCTAssertTrue(exited, "serve still running 30 s after SIGTERM")
    let response = try? await answer.value
    if let response { XCTAssertEqual(response.status, .serviceUnavailable) }
    try? await client.shutdown()
  }
}

/// `landscape serve --port 0` running in a folder, its address read from its first line.
struct Serve {
  let process = Process()
  let stderr = Pipe()
  let port: Int

  init(binary: URL, arguments: [String], in folder: URL) throws {
    process.executableURL = binary
    process.arguments = ["serve", "--port", "0"] + arguments
    process.currentDirectoryURL = folder
    let out = Pipe()
    process.standardOutput = out
    process.standardError = stderr
    try process.run()
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    let address = try XCTUnwrap(
      line.split(separator: " ").first { $0.hasPrefix("http://") }, "serve printed \(line)")
    port = try XCTUnwrap(Int(address.split(separator: ":").last?.filter(\.isNumber) ?? ""))
  }

  /// The first line serve wrote on standard error.
  func stderrLine() -> String {
    String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
      .split(separator: "\n").first.map(String.init) ?? ""
  }

  func stop() {
    if process.isRunning { process.interrupt() }
    process.waitUntilExit()
  }
}
