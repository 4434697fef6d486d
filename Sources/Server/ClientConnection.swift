import Hummingbird
import NIOCore
import Synchronization

/// A client's connection, as far as its requests need it: whether the client has gone.
///
/// The client is gone when it closes its side of the connection (a request abandoned with
/// a timeout or Ctrl-C) or the connection ends; what waits on it is then called once.
public final class ClientConnection: Sendable {
  private struct State {
    var gone = false
    var waiting: [Int: @Sendable () -> Void] = [:]
    var next = 0
  }
  private let state = Mutex(State())

  public init() {}

  /// Calls `action` when the client goes (now if it has gone), unless forgotten first.
  ///
  /// - Returns: what forgets the action (call it once the action is no longer needed).
  public func whenGone(_ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
    let id: Int? = state.withLock { state in
      guard !state.gone else { return nil }
      state.next += 1
      state.waiting[state.next] = action
      return state.next
    }
    guard let id else {
      action()
      return {}
    }
    return { [self] in _ = state.withLock { $0.waiting.removeValue(forKey: id) } }
  }

  /// Marks the client gone and calls what waits.
  func markGone() {
    let actions = state.withLock { state in
      defer {
        state.gone = true
        state.waiting = [:]
      }
      return state.gone ? [] : Array(state.waiting.values)
    }
    for action in actions { action() }
  }

  /// The connection a request came on, when it was accepted by a server with
  /// `ClientConnection.handler()` in its pipeline (nil in a router test).
  static func of(_ channel: any Channel) async -> ClientConnection? {
    try? await channel.pipeline.handler(type: Watcher.self).map(\.connection).get()
  }

  /// A channel handler to add to each HTTP/1 connection's pipeline (see `of(_:)`).
  static func handler() -> any RemovableChannelHandler { Watcher() }

  /// Passes everything on, and marks the connection's client gone when its input closes
  /// or the channel becomes inactive.
  final class Watcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let connection = ClientConnection()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
      if case .inputClosed = event as? ChannelEvent { connection.markGone() }
      context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
      connection.markGone()
      context.fireChannelInactive()
    }
  }
}
