import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// The bailleurs' flats (issue 5): added and listed by a bailleur's housing officers; one
/// flat is shown to whoever sees a proposal of it.
struct FlatsController {
    let client: PostgresClient

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("flats", use: list)
        group.post("flats", use: create)
        group.get("flats/:flatId", use: show)
    }

    func requireLandlordStaff(_ actor: Actor, on connection: PostgresConnection, context: AuthenticatedContext)
        async throws
    {
        guard actor.has(.housingOfficer),
            try await FlatStore.isLandlord(actor.organisationID, on: connection, logger: context.logger)
        else {
            throw Problem.forbidden("Les logements sont gérés par les chargés de gestion locative des bailleurs.")
        }
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<Flat> {
        let actor = context.actor
        let page = try PageRequest(request)
        let after = try page.after.map(TimeCursor.decode)
        let flats = try await client.withActor(actor, logger: context.logger) { connection in
            try await requireLandlordStaff(actor, on: connection, context: context)
            return try await FlatStore.list(
                of: actor.organisationID, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(flats) { TimeCursor.encode($0.createdAt, $0.id) }
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        let body = try await request.decodeJSON(as: NewFlatRequest.self, context: context)
        let (rent, charges) = try body.validated()
        let flat = try await client.withActor(actor, logger: context.logger) { connection in
            try await requireLandlordStaff(actor, on: connection, context: context)
            guard
                let flat = try await FlatStore.create(
                    body, rent: rent, charges: charges, by: actor, on: connection, logger: context.logger)
            else {
                throw Problem.conflict("Votre organisation a déjà un logement sous cette référence.")
            }
            return flat
        }
        var response = try EditedResponse(status: .created, response: flat).response(from: request, context: context)
        response.headers[.location] = "/v1/flats/\(flat.id)"
        return response
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Flat {
        let actor = context.actor
        let id = try context.parameters.uuid("flatId")
        let flat = try await client.withActor(actor, logger: context.logger) { connection in
            try await FlatStore.find(id, on: connection, logger: context.logger)
        }
        guard let flat else { throw Problem.notFound }
        return flat
    }
}

extension Flat: ResponseEncodable {}
