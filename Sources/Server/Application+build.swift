import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import ToyModels

/// How much the server computes at once and for how long, and how long and how many
/// connections it keeps.
public struct ServeLimits: Sendable {
  /// The CPU seconds one request's computation may take; past it the request answers 503
  /// naming this limit.
  public var cpuBudget: Double
  /// Computations running at once in each pool (quick and heavy): the processor count.
  public var threads: Int
  /// Computations waiting in each pool, at most; past it a request answers 503.
  public var queueLimit: Int
  /// SAE training runs at once (`/api/train`), at most; past it a request answers 503.
  public var trainingRuns: Int
  /// The CPU seconds one training run may take.
  public var trainingBudget: Double
  /// Seconds a connection may stay silent: with no request (idle), or within a request's
  /// head or body (a header sent by halves); then it is closed.
  public var idleTimeout: Double
  /// Connections open at once, at most; more wait to be accepted.
  public var maximumConnections: Int

  public init(
    cpuBudget: Double = 10, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    queueLimit: Int = 16, idleTimeout: Double = 20, maximumConnections: Int = 128,
    trainingRuns: Int = 2, trainingBudget: Double = 300
  ) {
    self.cpuBudget = cpuBudget
    self.trainingRuns = max(1, trainingRuns)
    self.trainingBudget = trainingBudget
    self.threads = max(1, threads)
    self.queueLimit = queueLimit
    self.idleTimeout = idleTimeout
    self.maximumConnections = maximumConnections
  }
}

/// The pools the API computes on (see `APIController`).
public struct ComputePools: Sendable {
  /// Minima and symbolic derivations.
  public let quick: ComputePool
  /// Curves, phase diagrams and figures.
  public let heavy: ComputePool
  /// SAE training runs.
  public let training: TrainingSessions

  /// - Parameter training: the training runs' sessions (default: `limits`' limit and budget).
  public init(_ limits: ServeLimits = ServeLimits(), training: TrainingSessions? = nil) {
    quick = ComputePool(
      name: "minima and symbolic", threads: limits.threads, queueLimit: limits.queueLimit,
      budget: limits.cpuBudget)
    heavy = ComputePool(
      name: "curve, phase and figure", threads: limits.threads, queueLimit: limits.queueLimit,
      budget: limits.cpuBudget)
    self.training =
      training ?? TrainingSessions(limit: limits.trainingRuns, budget: limits.trainingBudget)
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
  router.addRoutes(
    TrainController(server: server, sessions: pools.training, heavy: pools.heavy).endpoints,
    atPath: "/api/train")
  return router
}

/// The application serving `server` at `host` and `port`, its client connections watched
/// (so a computation stops when its client goes), timed out when silent and limited in
/// number as `limits` says.
///
/// - Parameters:
///   - pools: the computations' pools (`ComputePools(limits)`).
///   - onRunning: called once listening, with the page's address (`http://HOST:PORT/`).
public func buildApplication(
  _ server: LandscapeServer, pools: ComputePools, limits: ServeLimits, host: String, port: Int,
  onRunning: @escaping @Sendable (String) -> Void = { _ in }
) -> some ApplicationProtocol {
  var logger = Logger(label: "landscape-serve")
  logger.logLevel = .warning
  return Application(
    router: buildRouter(server, pools: pools),
    server: .http1(
      configuration: .init(
        additionalChannelHandlers: [ClientConnection.handler()],
        idleTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9)))),
    configuration: ApplicationConfiguration(
      address: .hostname(host, port: port),
      availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections)),
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
  /// - Throws: `FieldError` naming `--port` when the port is taken or needs privileges.
  public func run(
    host: String, port: Int, limits: ServeLimits = ServeLimits(),
    onRunning: @escaping @Sendable (String) -> Void
  ) async throws {
    let pools = ComputePools(limits)
    let app = buildApplication(
      self, pools: pools, limits: limits, host: host, port: port, onRunning: onRunning)
    // Graceful shutdown runs in reverse order: the pools stop before the server waits for
    // the requests in flight.
    let group = ServiceGroup(
      configuration: .init(
        services: [app, pools.quick, pools.heavy, pools.training], gracefulShutdownSignals: [.sigterm, .sigint],
        logger: app.logger))
    do {
      try await group.run()
    } catch let error as IOError where [EADDRINUSE, EACCES].contains(error.errnoCode) {
      // NIO's text is the syscall's ("bind(descriptor:ptr:bytes:): Address already in use"):
      // say which option to change instead.
      throw FieldError(
        field: "--port", value: "\(port)",
        reason: error.errnoCode == EADDRINUSE
          ? "is in use on \(host): another process listens there (0 picks a free port)"
          : "needs privileges on \(host) (ports below 1024; 0 picks a free port)")
    }
  }
}
