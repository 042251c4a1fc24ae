import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import Tenancy

/// Outermost of the router: returns the request's id (random, given by `DeadlineResponder`)
/// on every response, and logs one line per request. Only the method, the route's path and
/// the status are logged: never a header (the token), a body (passwords) or a query string.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = context.id
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(Self.loggedPath(request.uri.path))",
                "status": "\(response.status.code)",
                "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ])
        return response
    }

    /// The path, its secret segment hidden where an address is itself the credential (a
    /// calendar's feed, an invitation's enrolment): a log must not open what it records.
    static func loggedPath(_ path: String) -> String {
        for prefix in ["/calendrier/", "/v1/enrolments/"] where path.hasPrefix(prefix) {
            return prefix + ":secret"
        }
        return path
    }
}

/// 128 random bits in hex: Hummingbird's own request id is a process-wide counter, and
/// request ids reach clients and the access log, where a counter would tell anyone how busy
/// the hub is.
struct RandomRequestID: CustomStringConvertible {
    let description: String
    init() {
        var generator = SystemRandomNumberGenerator()
        description = (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

/// What a careful web server says on every answer: nothing is stored by a cache (most
/// answers carry household data, and a shared office computer's cache is a leak), no type
/// sniffing, no framing, and pages that run no inline script. The OpenAPI document, the
/// same for everyone, may be cached.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        + "base-uri 'none'; frame-ancestors 'none'"

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        // The console's pages send theirs to their own origin (`ConsolePages.page`): a form
        // posted under `no-referrer` carries `Origin: null`, which the console refuses.
        if response.headers[.referrerPolicy] == nil {
            response.headers[.referrerPolicy] = "no-referrer"
        }
        return response
    }
}

/// Bounds the request's wait for a database connection, and how long it may hold one without
/// an answer (`ConnectionWait`).
struct ConnectionWaitMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let limit: Duration
    let deadline: Duration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await ConnectionWait.$limit.withValue(limit) {
            try await ConnectionWait.$deadline.withValue(deadline) { try await next(request, context) }
        }
    }
}

/// A NUL character (U+0000) in the path, a query parameter or a JSON body is refused at the
/// edge with a 400 naming the field: PostgreSQL's text cannot hold one, and it reached the
/// database as a 500 (all 23 server errors of an attack run, sign-in included). The body is
/// read here, within the size limit, and handed on as read.
struct NullCharacterMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path.contains("\0") || request.uri.path.contains("%00") {
            throw Problem.nullCharacter(field: "path")
        }
        for (name, value) in request.uri.queryParameters where name.contains("\0") || value.contains("\0") {
            throw Problem.nullCharacter(field: String(name))
        }
        var request = request
        // An import file is larger, and its lines are checked one by one (`Importer`): its
        // route reads it itself, once the request is authenticated.
        if [.post, .put, .patch].contains(request.method), !ImportController.isImport(request.uri.path) {
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: context.maxUploadSize)
            } catch is NIOTooManyBytesError {
                throw Problem.payloadTooLarge(limit: context.maxUploadSize)
            }
            if let field = Request.fieldWithNullCharacter(in: body) {
                throw Problem.nullCharacter(field: field)
            }
        }
        return try await next(request, context)
    }
}

/// Turns every error into problem+json, or a French page for a browser on the console.
/// Anything that is not a `Problem` is logged with
/// the request id and answered as a 500 that shows no internals.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try answer(problem, request, context)
        } catch let error as any HTTPResponseError {
            return try answer(Problem.forStatus(error.status), request, context)
        } catch let error as PSQLError where error.meansDatabaseUnavailable {
            context.logger.warning(
                "database unavailable",
                metadata: ["sqlstate": "\(error.serverInfo?[.sqlState] ?? "-")", "code": "\(error.code)"])
            return try answer(Problem.databaseUnavailable, request, context)
        } catch is DatabaseUnavailable {
            context.logger.warning("database unavailable: no connection within the wait")
            return try answer(Problem.databaseUnavailable, request, context)
        } catch let error as PSQLError {
            // The SQLSTATE and the server's message, never the detail: the detail quotes values.
            context.logger.error(
                "database error",
                metadata: [
                    "sqlstate": "\(error.serverInfo?[.sqlState] ?? "-")",
                    "message": "\(error.serverInfo?[.message] ?? "\(error.code)")",
                ])
            return try answer(Problem.internal, request, context)
        } catch {
            // The type, not the description: an error's description can quote values.
            context.logger.error("unexpected error", metadata: ["error_type": "\(type(of: error))"])
            return try answer(Problem.internal, request, context)
        }
    }

    /// A browser on the console's pages reads a French error page; everyone else problem+json.
    private func answer(_ problem: Problem, _ request: Request, _ context: Context) throws -> Response {
        if ConsolePages.wantsPage(request), let pages = ConsolePages.shared {
            return pages.errorPage(problem, requestID: context.id)
        }
        return try problem.response(from: request, context: context)
    }
}

/// Resolves the bearer token into the request's `Actor`, or answers 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let signIn: SignIn

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // A request the hub makes to itself carries its actor already (`init(inProcessFor:)`).
        if context.actor != nil { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            case let token = header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces),
            (1...256).contains(token.count),
            let actor = try await signIn.authenticate(token: token, logger: context.logger)
        else { throw Problem.unauthenticated }
        var context = context
        context.actor = actor
        context.logger[metadataKey: "user_id"] = "\(actor.userID)"
        context.logger[metadataKey: "org_id"] = "\(actor.organisationID)"
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
