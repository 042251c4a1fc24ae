import Foundation
import Logging
import PostgresNIO
import Tenancy

/// An aid applied for with the household (FSL accès, Loca-Pass…), in exact euros.
struct Aid: Encodable, Sendable {
    let id: UUID
    let kind: String
    /// Euros as a decimal string ("1234.56"), never a floating-point number.
    let amount: String
    let status: String
    let requestedOn: Day
    @Null var decidedOn: Day?
    let level: String
    let authorOrganisationId: UUID
}

extension Aid: RowDecodable {
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], kind: try row["kind"], amount: EuroAmount(cents: try row["amount_cents"]).description,
            status: try row["status"], requestedOn: try row["requested_on"], decidedOn: try row["decided_on"],
            level: try row["level"], authorOrganisationId: try row["author_organisation_id"])
    }
}

struct NewAidRequest: ClosedJSONObject {
    static let fields: Set<String> = ["kind", "amount", "status", "requestedOn", "decidedOn", "level"]
    static let kinds = HouseholdVocabulary.aidKinds
    static let statuses = HouseholdVocabulary.aidStatuses
    let kind: String
    let amount: String
    let status: String
    let requestedOn: String
    let decidedOn: String?
    let level: String?

    struct Checked {
        let amount: EuroAmount
        let level: Level
        let requestedOn: Day
        let decidedOn: Day?
    }

    func validated() throws -> Checked {
        try check(
            Self.kinds.contains(kind), field: "kind",
            "Type d'aide inconnu ; valeurs possibles : " + Self.kinds.codes.joined(separator: ", ") + ".")
        guard let amount = EuroAmount(amount), amount <= EuroAmount.maximum else {
            throw Problem.unprocessable(
                "Le montant s'écrit en euros, positif, avec au plus deux décimales et un point (par exemple \"850.00\"), jusqu'à 100 000 €.",
                field: "amount")
        }
        try check(Self.statuses.contains(status), field: "status", "L'aide est requested, granted ou refused.")
        guard let requested = Day(iso: requestedOn), requested <= Day.today() else {
            throw Problem.unprocessable(
                "Date de demande attendue au format AAAA-MM-JJ, passée ou du jour.", field: "requestedOn")
        }
        var decision: Day?
        switch (status, decidedOn) {
        case ("requested", nil): break
        case ("requested", _):
            throw Problem.unprocessable("Une aide encore demandée n'a pas de date de décision.", field: "decidedOn")
        case (_, nil):
            throw Problem.unprocessable("Une aide accordée ou refusée a une date de décision.", field: "decidedOn")
        case (_, let decided?):
            guard let decided = Day(iso: decided), decided >= requested, decided <= Day.today() else {
                throw Problem.unprocessable(
                    "La décision suit la demande et n'est pas dans le futur (format AAAA-MM-JJ).", field: "decidedOn")
            }
            decision = decided
        }
        return Checked(
            amount: amount, level: try Hub.level(level, default: .secret, field: "level"), requestedOn: requested,
            decidedOn: decision)
    }
}

enum AidStore {
    static func list(of household: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Aid] {
        let rows = try await connection.query(
            """
            SELECT id, kind, amount_cents, status, requested_on, decided_on, level, author_organisation_id
            FROM aids WHERE household_id = \(household)
            ORDER BY requested_on DESC, created_at DESC, id DESC
            """, logger: logger)
        return try await rows.collect(Aid.self)
    }

    static func create(
        _ request: NewAidRequest, _ checked: NewAidRequest.Checked, household: UUID, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Aid {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO aids (id, household_id, author_organisation_id, author_user_id, kind, amount_cents, status,
                              requested_on, decided_on, level)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(request.kind),
                    \(checked.amount.cents), \(request.status), \(checked.requestedOn), \(checked.decidedOn),
                    \(checked.level.rawValue))
            """, logger: logger)
        return Aid(
            id: id, kind: request.kind, amount: checked.amount.description, status: request.status,
            requestedOn: checked.requestedOn, decidedOn: checked.decidedOn, level: checked.level.rawValue,
            authorOrganisationId: actor.organisationID)
    }
}
