import Hummingbird
import Landscape
import Symbolic
import ToyModels

/// An error answer: `{"error": LINE}` with its status, LINE being what the command line
/// prints after `landscape: `.
struct APIError: HTTPResponseError {
  var status: HTTPResponse.Status
  var line: String

  init(_ line: String, status: HTTPResponse.Status = .badRequest) {
    self.line = line
    self.status = status
  }

  func response(from request: Request, context: some RequestContext) throws -> Response {
    var response = try ReportEncoder().encode(["error": line], from: request, context: context)
    response.status = status
    return response
  }
}

/// Turns the errors of a computation that are not HTTP errors themselves into their answers:
/// `SymbolicError` (exact arithmetic that overflows on its decimals) 400, a computation
/// refused or stopped (`ComputeStop`) 503. A `FieldError` answers for itself (400).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do { return try await next(request, context) } catch let error as SymbolicError {
      throw APIError(error.description)
    } catch let error as ComputeStop {
      throw APIError(error.description, status: .serviceUnavailable)
    }
  }
}

/// Refuses over-long request URIs (414) before any work, with the limit in the error.
struct URILengthMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context,
    next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let length = request.uri.string.utf8.count
    if length > LandscapeServer.maximumURILength {
      throw APIError(
        "request: the URI is \(length) bytes, above the limit of "
          + "\(LandscapeServer.maximumURILength)", status: .uriTooLong)
    }
    return try await next(request, context)
  }
}
