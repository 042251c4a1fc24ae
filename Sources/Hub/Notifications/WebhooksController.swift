import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// An organisation's admin subscribes its endpoints to topics, rotates their secrets, and
/// follows the deliveries: dead letters are replayed from here. Another organisation's
/// subscription or delivery answers 404 (R7).
struct WebhooksController {
    let client: PostgresClient
    let destinations: DestinationPolicy
    /// How long the previous secret still signs after a rotation.
    static let rotationOverlap: Duration = .seconds(24 * 3600)
    static let statuses: Set<String> = ["pending", "sending", "delivered", "dead", "cancelled"]

    struct SubscriptionRequest: ClosedJSONObject {
        static let fields: Set<String> = ["url", "topics"]
        let url: String
        let topics: [String]
    }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks", use: create)
        group.get("webhooks/:subscriptionId", use: show)
        group.delete("webhooks/:subscriptionId", use: disable)
        group.post("webhooks/:subscriptionId/rotate-secret", use: rotate)
        group.get("deliveries", use: deliveries)
        group.post("deliveries/:deliveryId/replay", use: replay)
    }

    func admin(_ context: AuthenticatedContext) throws -> Actor {
        let actor = context.actor
        guard actor.has(.orgAdmin) else {
            throw Problem.forbidden("Seul l'administrateur de l'organisation gère ses webhooks et leurs envois.")
        }
        return actor
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try admin(context)
        let body = try await request.decodeJSON(as: SubscriptionRequest.self, context: context)
        let created = try await create(url: body.url, topics: body.topics, context: context)
        var response = try EditedResponse(status: .created, response: created).response(from: request, context: context)
        response.headers[.location] = "/v1/webhooks/\(created.subscription.id)"
        return response
    }

    /// Checks and records a subscription; its secret is in the answer, and nowhere else: the
    /// route's and the console's.
    func create(url: String, topics names: [String], context: AuthenticatedContext) async throws
        -> WebhookSecretResponse
    {
        let actor = try admin(context)
        let topics = try parseTopics(names, field: "topics", allowEmpty: false)
        let url = url.trimmingCharacters(in: .whitespaces)
        try await checkDestination(url)
        let secret = WebhookStore.newSecret()
        let subscription = try await client.withActor(actor, logger: context.logger) { connection in
            try await WebhookStore.create(
                url: url, topics: topics.map(\.rawValue), secret: secret, by: actor.userID,
                organisationID: actor.organisationID, on: connection, logger: context.logger)
        }
        return WebhookSecretResponse(subscription: subscription, secret: secret.hex)
    }

    /// Server-side request forgery: the hub refuses to post to its own network. The name is
    /// resolved now and again at each delivery (the address may change).
    func checkDestination(_ url: String) async throws {
        do {
            let destination = try WebhookDestination(parsing: url)
            _ = try await destinations.resolve(destination)
        } catch {
            let detail =
                switch error {
                case .invalidURL: "L'adresse du webhook doit être une URL http ou https complète, sans identifiants."
                case .unsupportedScheme: "Seules les adresses http et https sont acceptées pour un webhook."
                case .unresolvable: "Le nom d'hôte de l'adresse du webhook est introuvable."
                case .forbiddenAddress:
                    "Cette adresse mène à un réseau local, privé ou de lien local : elle est refusée pour un webhook."
                }
            throw Problem.unprocessable(detail, field: "url")
        }
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<WebhookSubscription> {
        _ = try admin(context)
        return try await subscriptions(page: try PageRequest(request), context: context)
    }

    /// One page of the organisation's subscriptions: the route's and the console's.
    func subscriptions(page: PageRequest, context: AuthenticatedContext) async throws -> Page<WebhookSubscription> {
        let actor = try admin(context)
        let after = try page.after.map(TimeCursor.decode)
        let subscriptions = try await client.withActor(actor, logger: context.logger) { connection in
            try await WebhookStore.list(after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(subscriptions) { TimeCursor.encode($0.createdAt, $0.id) }
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> WebhookSubscription {
        let actor = try admin(context)
        let id = try context.parameters.uuid("subscriptionId")
        let subscription = try await client.withActor(actor, logger: context.logger) { connection in
            try await WebhookStore.find(id, on: connection, logger: context.logger)
        }
        guard let subscription else { throw Problem.notFound }
        return subscription
    }

    @Sendable func disable(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        _ = try admin(context)
        try await disable(try context.parameters.uuid("subscriptionId"), context: context)
        return Response(status: .noContent)
    }

    /// The route's and the console's: another organisation's subscription answers 404.
    func disable(_ id: UUID, context: AuthenticatedContext) async throws {
        let actor = try admin(context)
        let found = try await client.withActor(actor, logger: context.logger) { connection in
            try await WebhookStore.disable(id, on: connection, logger: context.logger)
        }
        guard found else { throw Problem.notFound }
    }

    @Sendable func rotate(_ request: Request, context: AuthenticatedContext) async throws -> WebhookSecretResponse {
        _ = try admin(context)
        return try await rotate(try context.parameters.uuid("subscriptionId"), context: context)
    }

    /// A new secret, the previous one still signing for the overlap: the route's and the console's.
    func rotate(_ id: UUID, context: AuthenticatedContext) async throws -> WebhookSecretResponse {
        let actor = try admin(context)
        let secret = WebhookStore.newSecret()
        let subscription = try await client.withActor(actor, logger: context.logger) { connection in
            guard
                let rotated = try await WebhookStore.rotate(
                    id, secret: secret, overlap: Self.rotationOverlap, on: connection, logger: context.logger)
            else {
                guard try await WebhookStore.find(id, on: connection, logger: context.logger) != nil else {
                    throw Problem.notFound
                }
                throw Problem.conflict("Ce webhook est désactivé : son secret ne peut plus être renouvelé.")
            }
            return rotated
        }
        return WebhookSecretResponse(subscription: subscription, secret: secret.hex)
    }

    @Sendable func deliveries(_ request: Request, context: AuthenticatedContext) async throws -> Page<Delivery> {
        _ = try admin(context)
        let page = try PageRequest(request)
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !Self.statuses.contains(status) {
            throw Problem.badRequest(
                "Le paramètre « status » vaut pending, sending, delivered, dead ou cancelled.", field: "status")
        }
        return try await deliveries(status: status, page: page, context: context)
    }

    /// One page of the organisation's deliveries, newest first: the route's and the console's.
    func deliveries(status: String?, page: PageRequest, context: AuthenticatedContext) async throws -> Page<Delivery> {
        let actor = try admin(context)
        let after = try page.after.map(TimeCursor.decode)
        let deliveries = try await client.withActor(actor, logger: context.logger) { connection in
            try await WebhookStore.deliveries(
                status: status, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(deliveries) { TimeCursor.encode($0.createdAt, $0.id) }
    }

    @Sendable func replay(_ request: Request, context: AuthenticatedContext) async throws -> Delivery {
        _ = try admin(context)
        return try await replay(try context.parameters.uuid("deliveryId"), context: context)
    }

    /// A dead letter back to pending: the route's and the console's.
    func replay(_ id: UUID, context: AuthenticatedContext) async throws -> Delivery {
        let actor = try admin(context)
        return try await client.withActor(actor, logger: context.logger) { connection in
            if let delivery = try await WebhookStore.replay(id, on: connection, logger: context.logger) {
                return delivery
            }
            guard try await WebhookStore.delivery(id, on: connection, logger: context.logger) != nil else {
                throw Problem.notFound
            }
            throw Problem.conflict("Seul un envoi en échec définitif (dead) peut être relancé.")
        }
    }
}

extension WebhookSubscription: ResponseEncodable {}
extension WebhookSecretResponse: ResponseEncodable {}
extension Delivery: ResponseEncodable {}
extension InboxMessage: ResponseEncodable {}
