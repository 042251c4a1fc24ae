import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// What a request carries through the middleware to its handler: the authenticated
/// actor (set by `AuthenticationMiddleware`) and the client's address (sign-in throttling).
struct HubRequestContext: RequestContext {
    static let bodyLimit = 64 * 1024

    var coreContext: CoreRequestContextStorage
    var actor: Actor?
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var maxUploadSize: Int { Self.bodyLimit }
    var responseEncoder: JSONEncoder { .hub }

    /// Routes behind `AuthenticationMiddleware` always have an actor; a route that asks
    /// without it is a wiring bug, answered as unauthenticated rather than trusted.
    func requireActor() throws -> Actor {
        guard let actor else { throw Problem.unauthenticated }
        return actor
    }

    /// The actor of a route an evaluator has no business with (R9: aggregates only).
    func requireActorBeyondAggregates() throws -> Actor {
        let actor = try requireActor()
        guard !AccessRules.readsAggregatesOnly(actor) else {
            throw Problem.forbidden(
                "Un évaluateur lit les indicateurs agrégés des programmes qu'il évalue, et rien d'autre.")
        }
        return actor
    }

    var clientAddress: String { remoteAddress?.ipAddress ?? "inconnue" }
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
