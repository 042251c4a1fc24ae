import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// A request on one comité: loads the comité and its cell as the reader sees them (members
/// of the cell only: anyone else gets 404, exactly as a comité that does not exist), runs
/// the body and records what it disclosed or changed, or the denial, in the same
/// transaction (R11). Routes that compose or run the comité are the cell's facilitator's
/// (`facilitatorOnly`: 403 for other members); they lock the comité's row for the request, so
/// that two clicks cannot move it twice. (The lock comes after the check: under RLS, `FOR
/// UPDATE` sees only rows the reader may update, and would answer a member 404.)
struct ComiteGate: Sendable {
    let client: PostgresClient

    func run<Result: Sendable>(
        _ comiteID: UUID, action: String, facilitatorOnly: Bool = false, context: AuthenticatedContext,
        _ body: @Sendable (PostgresConnection, Actor, Comite, CoordinationCell) async throws -> (Result, Disclosure)
    ) async throws -> Result {
        try await client.audited(action: action, denying: [], context: context) { connection, actor in
            guard var comite = try await ComiteStore.find(comiteID, on: connection, logger: context.logger),
                let cell = try await CellStore.find(comite.cellId, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            if facilitatorOnly {
                try cell.requireFacilitator(actor)
                guard
                    let locked = try await ComiteStore.find(
                        comiteID, forUpdate: true, on: connection, logger: context.logger)
                else { throw Problem.notFound }
                comite = locked
            }
            return try await body(connection, actor, comite, cell)
        }
    }
}

extension CoordinationCell {
    var isVeille: Bool { kind == "veilleSociale" }

    /// The days its programme runs; nil for a veille sociale, which has none.
    func programmePeriod(on connection: PostgresConnection, logger: Logger) async throws -> ProgrammePeriod? {
        guard let programmeId else { return nil }
        return try await HouseholdStore.period(ofProgramme: programmeId, on: connection, logger: logger)
    }

    /// The cell's assigned facilitator, acting for the cell's organisation.
    func isFacilitator(_ actor: Actor) -> Bool {
        facilitator.userId == actor.userID && organisationId == actor.organisationID
    }

    /// Only the cell's assigned facilitator runs its comités.
    func requireFacilitator(_ actor: Actor) throws {
        guard isFacilitator(actor) else {
            throw Problem.forbidden("Seul l'animateur de la cellule prépare, tient et diffuse ses comités.")
        }
    }
}

extension Comite {
    /// A 409 unless the comité is at `required`.
    func require(_ required: ComiteStatus, to action: String) throws {
        if let refusal = stage.refusal(toward: required, action: action) { throw Problem.conflict(refusal) }
    }

    /// A 409 unless the comité is not yet held (planned, or its agenda published).
    func requireAhead(to action: String) throws {
        guard stage != .cancelled else { throw Problem.conflict("Le comité est annulé : il ne change plus.") }
        guard stage.isAhead else {
            throw Problem.conflict("Le comité est « \(stage.label) » : \(action) n'est possible qu'avant sa tenue.")
        }
    }
}
