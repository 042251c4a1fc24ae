import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// `live`: the process answers. `ready`: the database answers and its migrations are the
/// ones this binary was built for — what a load balancer should wait for.
struct HealthController {
    let client: PostgresClient
    let migrator: Migrator

    struct Health: ResponseEncodable { let status: String }
    struct Readiness: ResponseEncodable {
        let status: String
        let database: String
        let migrations: String
    }

    func addRoutes(to group: RouterGroup<HubRequestContext>) {
        group.get("live") { _, _ in Health(status: "ok") }
        group.get("ready", use: ready)
    }

    /// A probe answers within a second, whatever the requests' own wait: it waits half a
    /// second for a connection.
    static let connectionWait: Duration = .milliseconds(500)

    @Sendable func ready(_ request: Request, context: HubRequestContext) async throws -> Readiness {
        let status: MigrationStatus
        do {
            status = try await ConnectionWait.$limit.withValue(Self.connectionWait) {
                try await client.withConnectionOrUnavailable { connection in
                    try await migrator.status(on: connection, logger: context.logger)
                }
            }
        } catch {
            throw Problem.unavailable("La base de données ne répond pas.")
        }
        guard status.isCurrent else {
            throw Problem.unavailable("Les migrations de la base de données ne sont pas à jour.")
        }
        return Readiness(status: "ok", database: "ok", migrations: "current")
    }
}

/// The OpenAPI document, as partners integrate against it.
struct OpenAPIController {
    static let document: ByteBuffer? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }.map { ByteBuffer(data: $0) }

    func addRoutes(to router: Router<HubRequestContext>) {
        router.get("openapi.json") { _, _ in
            guard let document = Self.document else { throw Problem.internal }
            // The same for everyone, and no household in it: the one answer a cache may keep.
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: document))
        }
    }
}
