import Hummingbird
import ToyModels

/// A field error answers as the command line reports it: `{"error": LINE}`, LINE being the
/// line the command line prints after `landscape: `; 400 for a bad parameter or case, 500
/// for an output the server could not write.
extension FieldError: HTTPResponseError {
  public var status: HTTPResponse.Status { kind == .output ? .internalServerError : .badRequest }

  public func response(from request: Request, context: some RequestContext) throws -> Response {
    try APIError(description, status: status).response(from: request, context: context)
  }
}
