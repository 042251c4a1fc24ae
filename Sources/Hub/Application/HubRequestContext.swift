import Foundation
import Hummingbird
import Logging
import NIOCore
import Tenancy

/// What a request carries through the middleware to its handler: the actor once a
/// middleware has authenticated it (`AuthenticatedContext` is the routes' view of it) and the
/// client's address (sign-in throttling).
struct HubRequestContext: RequestContext {
    static let bodyLimit = 64 * 1024

    var coreContext: CoreRequestContextStorage
    var actor: Actor?
    /// The console's CSRF token, derived from the session cookie (`ConsoleSecurity`): every
    /// form of a page carries it.
    var csrfToken: String?
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// A request the hub makes to itself for `actor`, who is already known (the import of a
    /// caseload replays each fact through the API's handlers: `Importer`). It never comes
    /// from the network: only this initialiser sets the actor before authentication.
    init(inProcessFor actor: Actor, logger: Logger) {
        struct Source: RequestContextSource { let logger: Logger }
        coreContext = .init(source: Source(logger: logger))
        self.actor = actor
        remoteAddress = nil
    }

    var maxUploadSize: Int { Self.bodyLimit }
    var responseEncoder: JSONEncoder { .hub }
    var clientAddress: String { remoteAddress?.ipAddress ?? "inconnue" }
}

/// The context of every route behind sign-in: its actor is not optional. A route group reaches
/// it by transforming `HubRequestContext` once a middleware has found the actor: today the
/// bearer token's (`AuthenticationMiddleware`) or the console's session cookie's
/// (`ConsoleSessionMiddleware`). A request
/// no middleware authenticated never gets here (401).
struct AuthenticatedContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let actor: Actor
    let csrfToken: String?
    let remoteAddress: SocketAddress?

    init(context: HubRequestContext) throws {
        guard let actor = context.actor else { throw Problem.unauthenticated }
        coreContext = context.coreContext
        self.actor = actor
        csrfToken = context.csrfToken
        remoteAddress = context.remoteAddress
    }

    var maxUploadSize: Int { HubRequestContext.bodyLimit }
    var responseEncoder: JSONEncoder { .hub }
    var clientAddress: String { remoteAddress?.ipAddress ?? "inconnue" }

    /// The actor of a route an evaluator has no business with (R9: aggregates only).
    func actorBeyondAggregates() throws -> Actor {
        guard !AccessRules.readsAggregatesOnly(actor) else {
            throw Problem.forbidden(
                "Un évaluateur lit les indicateurs agrégés des programmes qu'il évalue, et rien d'autre.")
        }
        return actor
    }
}

extension JSONEncoder {
    static let hub: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension JSONDecoder {
    static let hub: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .rfc3339
        return decoder
    }()
}
