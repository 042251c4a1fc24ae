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
    let startsOn: Day
    let plannedEndOn: Day
    let signedOn: Day
    let signatories: Signatories
    let authorOrganisationId: UUID
    let createdAt: Date
}

extension Contract: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], kind: try row["kind"], objectives: try row["objectives"], startsOn: try row["starts_on"],
            plannedEndOn: try row["planned_end_on"], signedOn: try row["signed_on"],
            signatories: Signatories(
                household: try row["signed_by_household"], operator: try row["signed_by_operator"],
                departement: try row["signed_by_departement"]),
            authorOrganisationId: try row["author_organisation_id"], createdAt: try row["created_at"])
    }
}

struct NewContractRequest: ClosedJSONObject {
    static let fields: Set<String> = ["kind", "objectives", "startsOn", "plannedEndOn", "signedOn", "signatories"]
    let kind: String
    let objectives: [String]
    let startsOn: String
    let plannedEndOn: String
    let signedOn: String
    let signatories: Contract.Signatories

    struct Days {
        let startsOn: Day
        let plannedEndOn: Day
        let signedOn: Day
    }

    /// Checks the terms by Tenancy's rules; each problem is a 422 naming its field.
    func validated() throws -> Days {
        guard let kind = ContractKind(rawValue: kind) else {
            throw Problem.unprocessable(
                "Type de contrat inconnu ; valeurs possibles : "
                    + ContractKind.allCases.map(\.rawValue).joined(separator: ", ") + ".", field: "kind")
        }
        func day(_ text: String, _ field: String) throws -> Day {
            guard let day = Day(iso: text) else {
                throw Problem.unprocessable("Date attendue au format AAAA-MM-JJ.", field: field)
            }
            return day
        }
        let days = Days(
            startsOn: try day(startsOn, "startsOn"), plannedEndOn: try day(plannedEndOn, "plannedEndOn"),
            signedOn: try day(signedOn, "signedOn"))
        let terms = ContractTerms(
            kind: kind, objectives: objectives, startsOn: days.startsOn.date, plannedEndOn: days.plannedEndOn.date,
            signedByHousehold: signatories.household, signedByOperator: signatories.operator,
            signedByDepartement: signatories.departement)
        try check(days.signedOn <= Day.today(), field: "signedOn", "Un contrat ne peut pas être signé dans le futur.")
        if let problem = terms.problems.first { throw Problem.unprocessable(problem.message, field: problem.field) }
        return days
    }
}

/// The contracts' SQL; RLS shows each reader what R1–R4 allow and lets only the lead
/// organisation's social workers and service heads sign.
enum ContractStore {
    static func list(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Contract] {
        let rows = try await connection.query(
            """
            SELECT id, kind, objectives, starts_on, planned_end_on, signed_on, signed_by_household,
                   signed_by_operator, signed_by_departement, author_organisation_id, created_at
            FROM contracts WHERE household_id = \(household)
            ORDER BY created_at DESC, id DESC
            """, logger: logger)
        return try await rows.collect(Contract.self)
    }

    static func create(
        _ request: NewContractRequest, _ days: NewContractRequest.Days, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Contract {
        let id = UUID()
        let rows = try await connection.query(
            """
            INSERT INTO contracts (id, household_id, author_organisation_id, author_user_id, kind, objectives, starts_on,
                                   planned_end_on, signed_on, signed_by_household, signed_by_operator,
                                   signed_by_departement)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(request.kind), \(request.objectives),
                    \(days.startsOn), \(days.plannedEndOn), \(days.signedOn),
                    \(request.signatories.household), \(request.signatories.operator), \(request.signatories.departement))
            RETURNING created_at
            """, logger: logger)
        var createdAt = Date()
        for try await at in rows.decode(Date.self) { createdAt = at }
        return Contract(
            id: id, kind: request.kind, objectives: request.objectives, startsOn: days.startsOn,
            plannedEndOn: days.plannedEndOn, signedOn: days.signedOn, signatories: request.signatories,
            authorOrganisationId: actor.organisationID, createdAt: createdAt)
    }
}
