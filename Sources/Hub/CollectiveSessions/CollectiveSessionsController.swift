import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// A programme's collective workshops and permanences (issue 22, item 4):
/// `POST /v1/programmes/{id}/collective-sessions` records one, held by the acting organisation;
/// `GET` lists them, a page at a time. For the persons who work on households of an
/// organisation that works with the programme's households; its evaluators read them as
/// counts in the indicators only (R9), and a programme the organisation is not a partner of
/// does not exist for it (R7).
struct CollectiveSessionsController {
    let client: PostgresClient

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("programmes/:programmeId/collective-sessions", use: list)
        group.post("programmes/:programmeId/collective-sessions", use: create)
    }

    /// The door of both routes: 404 for a programme of others, 403 for a partner that does not
    /// work with its households (a funder, an evaluator) or a person who does not.
    func requireRecorder(
        of programme: UUID, _ actor: Actor, on connection: PostgresConnection, context: AuthenticatedContext
    ) async throws {
        guard
            let parts = try await HouseholdStore.programmeParts(
                programme, for: actor.organisationID, on: connection, logger: context.logger), !parts.mine.isEmpty
        else { throw Problem.notFound }
        guard AccessRules.mayRecordCollectiveSessions(actor, parts: parts.mine) else {
            throw Problem.forbidden(
                "Les séances collectives sont enregistrées par les partenaires du programme qui suivent ses ménages ; ses évaluateurs en lisent les indicateurs."
            )
        }
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<CollectiveSession> {
        let actor = context.actor
        let programme = try context.parameters.uuid("programmeId")
        let page = try PageRequest(request)
        let after = try page.after.map(Self.decodeCursor)
        let sessions = try await client.withActor(actor, logger: context.logger) { connection in
            try await requireRecorder(of: programme, actor, on: connection, context: context)
            return try await CollectiveSessionStore.list(
                of: programme, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
        }
        return page.page(sessions) { "\($0.heldOn.iso)|\($0.id.uuidString)" }
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        let programme = try context.parameters.uuid("programmeId")
        let body = try await request.decodeJSON(as: NewCollectiveSessionRequest.self, context: context)
        try body.validate()
        let session = try await client.withActor(actor, logger: context.logger) { connection in
            try await requireRecorder(of: programme, actor, on: connection, context: context)
            guard
                let period = try await HouseholdStore.period(
                    ofProgramme: programme, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            let heldOn = try Day.effective(body.heldOn, field: "heldOn", programme: period)
            let session = try await CollectiveSessionStore.record(
                body, heldOn: heldOn, programme: programme, by: actor, on: connection, logger: context.logger)
            // No household in it: recorded in the organisation's chain (R11: every change).
            try await connection.append(
                "collectiveSession.add", .changed([], []), actor: actor, requestID: context.id,
                logger: context.logger)
            return session
        }
        return try EditedResponse(status: .created, response: session).response(from: request, context: context)
    }

    static func decodeCursor(_ text: String) throws -> (day: Day, id: UUID) {
        let parts = text.split(separator: "|")
        guard parts.count == 2, let day = Day(iso: String(parts[0])), let id = UUID(uuidString: String(parts[1]))
        else { throw Problem.badRequest("Le paramètre « cursor » n'est pas reconnu.", field: "cursor") }
        return (day, id)
    }
}

extension CollectiveSession: ResponseEncodable {}
