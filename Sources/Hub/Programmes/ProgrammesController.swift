import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Tenancy

/// The programmes the acting organisation is a partner of, with their partners and parts.
struct ProgrammesController {
    let client: PostgresClient

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("programmes", use: list)
        group.get("programmes/:programmeId", use: show)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<Programme> {
        let actor = context.actor
        let page = try PageRequest(request)
        let programmes = try await client.withActor(actor, logger: context.logger) { connection in
            try await Programmes.list(on: connection, after: page.after, limit: page.fetchLimit, logger: context.logger)
        }
        return page.page(programmes, key: \.name)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Programme {
        let actor = context.actor
        let id = try context.parameters.uuid("programmeId")
        let programme = try await client.withActor(actor, logger: context.logger) { connection in
            try await Programmes.find(on: connection, id: id, logger: context.logger)
        }
        guard let programme else { throw Problem.notFound }
        return programme
    }
}

extension Member: ResponseEncodable {}
extension Programme: ResponseEncodable {}
