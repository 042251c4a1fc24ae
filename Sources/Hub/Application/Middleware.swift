import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import Tenancy

/// Outermost: gives every response its request id and logs one line per request.
/// Only the method, the route's path and the status are logged: never a header (the
/// token), a body (passwords) or a query string.
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
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
                "status": "\(response.status.code)",
                "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ])
        return response
    }
}

/// Turns every error into problem+json. Anything that is not a `Problem` is logged with
/// the request id and answered as a 500 that shows no internals.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try Problem.forStatus(error.status).response(from: request, context: context)
        } catch let error as PSQLError {
            // The SQLSTATE and the server's message, never the detail: the detail quotes values.
            context.logger.error(
                "database error",
                metadata: [
                    "sqlstate": "\(error.serverInfo?[.sqlState] ?? "-")",
                    "message": "\(error.serverInfo?[.message] ?? "\(error.code)")",
                ])
            return try Problem.internal.response(from: request, context: context)
        } catch {
            // The type, not the description: an error's description can quote values.
            context.logger.error("unexpected error", metadata: ["error_type": "\(type(of: error))"])
            return try Problem.internal.response(from: request, context: context)
        }
    }
}

/// Resolves the bearer token into the request's `Actor`, or answers 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let signIn: SignIn

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
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
}
