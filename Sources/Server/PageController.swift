import Foundation
import Hummingbird

/// The page: `/` (opening on the server's initial query when given none), `/page.js` and
/// `/page.css`.
struct PageController {
  /// The query `/` redirects to when it has none.
  let initialQuery: String

  var endpoints: RouteCollection<LandscapeRequestContext> {
    let routes = RouteCollection(context: LandscapeRequestContext.self)
    routes.get("/") { request, _ -> Response in
      if request.uri.query == nil && !initialQuery.isEmpty {
        return Response(status: .seeOther, headers: [.location: "/?" + initialQuery])
      }
      return try Self.resource("index.html", type: "text/html; charset=utf-8")
    }
    routes.get("page.js") { _, _ in
      try Self.resource("page.js", type: "text/javascript; charset=utf-8")
    }
    routes.get("page.css") { _, _ in
      try Self.resource("page.css", type: "text/css; charset=utf-8")
    }
    return routes
  }

  static func resource(_ name: String, type: String) throws -> Response {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Page"),
      let data = try? Data(contentsOf: url)
    else { throw HTTPError(.notFound) }
    return .answer(Array(data), type: type)
  }
}
