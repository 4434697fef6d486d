import Hummingbird
import NIOCore
import Reports

/// A request's context on the landscape server: Hummingbird's basic context, with the
/// reports' encoder and the connection the request came on.
public struct LandscapeRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The request's channel (to learn whether its client is still there).
  let channel: any Channel

  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    channel = source.channel
  }

  /// Reports are encoded as the command line prints them.
  public var responseEncoder: ReportEncoder { ReportEncoder() }

  /// The request's client connection (nil in a router test, which has none).
  var client: ClientConnection? {
    get async { await ClientConnection.of(channel) }
  }
}

/// Encodes a report as the command line prints it: `ReportJSON`'s one line and a newline,
/// as `application/json`, not to be cached.
public struct ReportEncoder: ResponseEncoder {
  public init() {}

  public func encode(
    _ value: some Encodable, from request: Request, context: some RequestContext
  ) throws -> Response {
    Response.answer(try ReportJSON.string(value) + "\n", type: "application/json")
  }
}

extension Response {
  /// A 200 answer of `text` as `type`, not to be cached.
  static func answer(_ text: String, type: String) -> Response {
    answer(Array(text.utf8), type: type)
  }

  /// A 200 answer of `bytes` as `type`, not to be cached.
  static func answer(_ bytes: [UInt8], type: String) -> Response {
    Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }
}

/// An answer that is already text of a type (a CSV curve, a symbolic derivation's JSON, a
/// figure's bytes).
struct Answer: ResponseGenerator {
  var bytes: [UInt8]
  var type: String

  init(_ bytes: [UInt8], type: String) {
    self.bytes = bytes
    self.type = type
  }

  init(_ text: String, type: String) { self.init(Array(text.utf8), type: type) }

  func response(from request: Request, context: some RequestContext) throws -> Response {
    .answer(bytes, type: type)
  }
}
