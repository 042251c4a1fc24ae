import Foundation
import Logging
import PostgresNIO
import Tenancy

/// An alert from the bailleur about a household in one of its flats.
struct Alert: Encodable, Sendable {
    struct Arrears: Encodable, Sendable {
        /// Euros as a decimal string, never a floating-point number.
        let amount: String
        let months: Int
    }

    struct Resolution: Encodable, Sendable {
        let resolvedOn: Day
        let text: String
    }

    let id: UUID
    let kind: String
    let reportedOn: Day
    @Null var arrears: Arrears?
    @Null var comment: String?
    @Null var resolution: Resolution?
    let authorOrganisationId: UUID
    let createdAt: Date
}

extension Alert: RowDecodable {
    /// From `AlertStore.columns`.
    init(row: NamedRow) throws {
        var arrears: Arrears?
        if let cents: Int64 = try row["arrears_cents"], let months: Int = try row["arrears_months"] {
            arrears = Arrears(amount: EuroAmount(cents: cents).description, months: months)
        }
        var resolution: Resolution?
        if let on: Day = try row["resolved_on"], let text: String = try row["resolution"] {
            resolution = Resolution(resolvedOn: on, text: text)
        }
        self.init(
            id: try row["id"], kind: try row["kind"], reportedOn: try row["reported_on"], arrears: arrears,
            comment: try row["comment"], resolution: resolution,
            authorOrganisationId: try row["author_organisation_id"],
            createdAt: try row["created_at"])
    }
}

struct NewAlertRequest: ClosedJSONObject {
    struct Arrears: Decodable, Sendable {
        let amount: String
        let months: Int
    }

    static let fields: Set<String> = ["kind", "reportedOn", "arrears", "comment"]
    static let kinds = HouseholdVocabulary.alertKinds.codes
    let kind: String
    let reportedOn: String
    let arrears: Arrears?
    let comment: String?

    struct Checked {
        let arrears: (amount: EuroAmount, months: Int)?
        let comment: String?
    }

    func validated() throws -> Checked {
        try checkCode(kind, in: Self.kinds, field: "kind")
        _ = try Day.past(reportedOn, field: "reportedOn")
        var checked: (EuroAmount, Int)?
        switch (kind, arrears) {
        case ("rentArrears", nil):
            throw Problem.unprocessable(
                "Un impayé de loyer précise son montant et le nombre de mois.", field: "arrears")
        case ("rentArrears", let arrears?):
            guard let amount = EuroAmount(arrears.amount), amount.cents > 0, amount <= EuroAmount.maximum else {
                throw Problem.unprocessable(
                    "Le montant de la dette s'écrit en euros avec un point (par exemple \"1240.50\"), de 0,01 à 100 000 €.",
                    field: "arrears.amount")
            }
            try check(
                (1...120).contains(arrears.months), field: "arrears.months",
                "Le nombre de mois d'impayés va de 1 à 120.")
            checked = (amount, arrears.months)
        case (_, nil): break
        case (_, _?):
            throw Problem.unprocessable("Seul un impayé de loyer a un montant et des mois.", field: "arrears")
        }
        return Checked(arrears: checked, comment: try optionalText(comment, field: "comment"))
    }
}

struct AlertResolutionRequest: ClosedJSONObject {
    static let fields: Set<String> = ["resolvedOn", "resolution"]
    let resolvedOn: String
    let resolution: String

    func validated() throws -> (Day, String) {
        let day = try Day.past(resolvedOn, field: "resolvedOn")
        guard let text = try optionalText(resolution, field: "resolution") else {
            throw Problem.unprocessable("La résolution de l'alerte est décrite.", field: "resolution")
        }
        return (day, text)
    }
}

/// Alerts' SQL; RLS lets the bailleur's housing officers report and resolve their own.
enum AlertStore {
    static let columns = """
        id, kind, reported_on, arrears_cents, arrears_months, comment, resolved_on, resolution,
        author_organisation_id, created_at
        """

    static func list(
        of household: UUID, only id: UUID? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Alert] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM alerts
            WHERE household_id = \(household) AND (\(id)::uuid IS NULL OR id = \(id))
            ORDER BY reported_on DESC, created_at DESC
            """, logger: logger)
        return try await rows.collect(Alert.self)
    }

    /// The bailleur of the flat of the household's latest lease, as the reader sees it.
    static func landlordOfCurrentFlat(of household: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> UUID?
    {
        let rows = try await connection.query(
            """
            SELECT f.landlord_organisation_id FROM leases l
            JOIN proposals p ON p.id = l.proposal_id JOIN flats f ON f.id = p.flat_id
            WHERE l.household_id = \(household) ORDER BY l.created_at DESC LIMIT 1
            """, logger: logger)
        for try await landlord in rows.decode(UUID.self) { return landlord }
        return nil
    }

    static func report(
        _ request: NewAlertRequest, _ checked: NewAlertRequest.Checked, on reportedOn: Day, household: UUID,
        by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let id = UUID()
        try await connection.perform(
            """
            INSERT INTO alerts (id, household_id, author_organisation_id, author_user_id, kind, reported_on,
                                arrears_cents, arrears_months, comment)
            VALUES (\(id), \(household), \(actor.organisationID), \(actor.userID), \(request.kind),
                    \(reportedOn), \(checked.arrears?.amount.cents), \(checked.arrears?.months),
                    \(checked.comment))
            """, logger: logger)
        return id
    }

    static func resolve(
        _ id: UUID, on day: Day, resolution: String, connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.perform(
            "UPDATE alerts SET resolved_on = \(day), resolution = \(resolution) WHERE id = \(id)", logger: logger)
    }
}
