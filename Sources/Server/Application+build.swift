import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// How much the server computes at once, and for how long.
public struct ServeLimits: Sendable {
  /// The CPU seconds one request's computation may take; past it the request answers 503
  /// naming this limit.
  public var cpuBudget: Double
  /// Computations running at once in each pool (quick and heavy): the processor count.
  public var threads: Int
  /// Computations waiting in each pool, at most; past it a request answers 503.
  public var queueLimit: Int

  public init(
    cpuBudget: Double = 10, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    queueLimit: Int = 16
  ) {
    self.cpuBudget = cpuBudget
    self.threads = max(1, threads)
    self.queueLimit = queueLimit
  }
}

/// The pools the API computes on (see `APIController`).
public struct ComputePools: Sendable {
  /// Minima and symbolic derivations.
  public let quick: ComputePool
  /// Curves, phase diagrams and figures.
  public let heavy: ComputePool

  public init(_ limits: ServeLimits = ServeLimits()) {
    quick = ComputePool(
      name: "minima and symbolic", threads: limits.threads, queueLimit: limits.queueLimit,
      budget: limits.cpuBudget)
    heavy = ComputePool(
      name: "curve, phase and figure", threads: limits.threads, queueLimit: limits.queueLimit,
      budget: limits.cpuBudget)
  }
}

/// The server's routes: the page at `/`, the API at `/api`, every URI checked for length.
public func buildRouter(_ server: LandscapeServer, pools: ComputePools) -> Router<
  LandscapeRequestContext
> {
  let router = Router(context: LandscapeRequestContext.self)
  router.add(middleware: URILengthMiddleware())
  router.addRoutes(PageController(initialQuery: server.initialQuery).endpoints)
  router.addRoutes(
    APIController(server: server, quick: pools.quick, heavy: pools.heavy).endpoints,
    atPath: "/api")
  return router
}

/// The application serving `server` at `address`, its client connections watched (so a
/// computation stops when its client goes).
///
/// - Parameters:
///   - onRunning: called once listening, with the page's address (`http://HOST:PORT/`).
public func buildApplication(
  _ server: LandscapeServer, pools: ComputePools, host: String, port: Int,
  onRunning: @escaping @Sendable (String) -> Void = { _ in }
) -> some ApplicationProtocol {
  var logger = Logger(label: "landscape-serve")
  logger.logLevel = .warning
  return Application(
    router: buildRouter(server, pools: pools),
    server: .http1(configuration: .init(additionalChannelHandlers: [ClientConnection.handler()])),
    configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
    onServerRunning: { channel in
      let port = channel.localAddress?.port ?? port
      let shown = host.contains(":") ? "[\(host)]" : host
      onRunning("http://\(shown):\(port)/")
    },
    logger: logger)
}

extension LandscapeServer {
  /// Serves until SIGINT or SIGTERM, then stops: the computations in flight are cancelled
  /// first (their requests answer 503), then the server shuts down.
  ///
  /// - Parameters:
  ///   - host: the address to bind (loopback by default in the command).
  ///   - port: 0 for a free port.
  ///   - limits: the computations' pools and budget.
  ///   - onRunning: called once listening, with the page's address (`http://HOST:PORT/`).
  public func run(
    host: String, port: Int, limits: ServeLimits = ServeLimits(),
    onRunning: @escaping @Sendable (String) -> Void
  ) async throws {
    let pools = ComputePools(limits)
    let app = buildApplication(self, pools: pools, host: host, port: port, onRunning: onRunning)
    // Graceful shutdown runs in reverse order: the pools stop before the server waits for
    // the requests in flight.
    let group = ServiceGroup(
      configuration: .init(
        services: [app, pools.quick, pools.heavy], gracefulShutdownSignals: [.sigterm, .sigint],
        logger: app.logger))
    try await group.run()
  }
}
