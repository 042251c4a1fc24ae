import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A contrat d'accompagnement as the API shows it.
struct Contract: Encodable, Sendable {
    struct Signatories: Codable, Sendable {
        let household: Bool
        let `operator`: Bool
        let departement: Bool
    }

    let id: UUID
    let kind: String
    let objectives: [String]
    let startsOn: String
    let plannedEndOn: String
    let signedOn: String
    let signatories: Signatories
    let authorOrganisationId: UUID
    let createdAt: Date
}

struct NewContractRequest: ClosedJSONObject {
    static let fields: Set<String> = ["kind", "objectives", "startsOn", "plannedEndOn", "signedOn", "signatories"]
    let kind: String
    let objectives: [String]
    let startsOn: String
    let plannedEndOn: String
    let signedOn: String
    let signatories: Contract.Signatories

    /// Checks the terms by Tenancy's rules; each problem is a 422 naming its field.
    func validate() throws {
        guard let kind = ContractKind(rawValue: kind) else {
            throw Problem.unprocessable(
                "Type de contrat inconnu ; valeurs possibles : "
                    + ContractKind.allCases.map(\.rawValue).joined(separator: ", ") + ".", field: "kind")
        }
        func day(_ text: String, _ field: String) throws -> Date {
            guard let date = Day.date(text) else {
                throw Problem.unprocessable("Date attendue au format AAAA-MM-JJ.", field: field)
            }
            return date
        }
        let terms = ContractTerms(
            kind: kind, objectives: objectives, startsOn: try day(startsOn, "startsOn"),
            plannedEndOn: try day(plannedEndOn, "plannedEndOn"), signedByHousehold: signatories.household,
            signedByOperator: signatories.operator, signedByDepartement: signatories.departement)
        let signed = try day(signedOn, "signedOn")
        try check(signed <= Date(), field: "signedOn", "Un contrat ne peut pas être signé dans le futur.")
        if let problem = terms.problems.first { throw Problem.unprocessable(problem.message, field: problem.field) }
    }
}

/// The contracts' SQL; RLS shows each reader what R1–R4 allow and lets only the lead
/// organisation's social workers and service heads sign.
enum ContractStore {
    static func list(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Contract] {
        let rows = try await connection.query(
            """
            SELECT id, kind, objectives, starts_on::text, planned_end_on::text, signed_on::text, signed_by_household,
                   signed_by_operator, signed_by_departement, author_organisation_id, created_at
            FROM contracts WHERE household_id = \(household)
            ORDER BY created_at DESC, id DESC
            """, logger: logger)
        var contracts: [Contract] = []
        for try await row in rows.decode(
            (UUID, String, [String], String, String, String, Bool, Bool, Bool, UUID, Date).self)
        {
            contracts.append(
                Contract(
                    id: row.0, kind: row.1, objectives: row.2, startsOn: row.3, plannedEndOn: row.4, signedOn: row.5,
                    signatories: .init(household: row.6, operator: row.7, departement: row.8),
                    authorOrganisationId: row.9, createdAt: row.10))
        }
        return contracts
    }

    static func create(
        _ request: NewContractRequest, household: UUID, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Contract {
        let id = UUID()
        let rows = try await connection.query(
            """
            INSERT INTO contracts (id, household_id, author_organisation_id, author_user_id, kind, objectives, starts_on,
                                   planned_end_on, signed_on, signed_by_household, signed_by_operator,
                                   signed_by_departement)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(request.kind), \(request.objectives),
                    \(request.startsOn)::date, \(request.plannedEndOn)::date, \(request.signedOn)::date,
                    \(request.signatories.household), \(request.signatories.operator), \(request.signatories.departement))
            RETURNING created_at
            """, logger: logger)
        var createdAt = Date()
        for try await at in rows.decode(Date.self) { createdAt = at }
        return Contract(
            id: id, kind: request.kind, objectives: request.objectives, startsOn: request.startsOn,
            plannedEndOn: request.plannedEndOn, signedOn: request.signedOn, signatories: request.signatories,
            authorOrganisationId: actor.organisationID, createdAt: createdAt)
    }
}
