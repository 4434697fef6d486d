import Hummingbird

/// The page: `/` (opening on the server's initial query when given none), `/page.js`,
/// `/train.js` and `/page.css`, embedded in the binary.
struct PageController {
  /// The query `/` redirects to when it has none.
  let initialQuery: String

  var endpoints: RouteCollection<LandscapeRequestContext> {
    let routes = RouteCollection(context: LandscapeRequestContext.self)
    routes.get("/") { request, _ -> Response in
      if request.uri.query == nil && !initialQuery.isEmpty {
        return Response(status: .seeOther, headers: [.location: "/?" + initialQuery])
      }
      return .answer(PackageResources.index_html, type: "text/html; charset=utf-8")
    }
    routes.get("page.js") { _, _ in
      Response.answer(PackageResources.page_js, type: "text/javascript; charset=utf-8")
    }
    routes.get("train.js") { _, _ in
      Response.answer(PackageResources.train_js, type: "text/javascript; charset=utf-8")
    }
    routes.get("page.css") { _, _ in
      Response.answer(PackageResources.page_css, type: "text/css; charset=utf-8")
    }
    return routes
  }
}
