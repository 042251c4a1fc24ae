import Foundation
import Logging
import PostgresNIO
import Tenancy

/// A flat of a bailleur's stock, as its bailleur and the readers of its proposals see it.
struct Flat: Encodable, Sendable {
    let id: UUID
    let reference: String
    let commune: String
    let departement: String
    let type: String
    /// Monthly rent and charges in euros, as decimal strings ("512.40").
    let rent: String
    let charges: String
    let contingent: String
    let availableFrom: Day
    let landlordOrganisationId: UUID
    let createdAt: Date
}

extension Flat: RowDecodable {
    /// From `FlatStore.columns`.
    init(row: NamedRow) throws {
        self.init(
            id: try row["id"], reference: try row["reference"], commune: try row["commune"],
            departement: try row["departement"], type: try row["flat_type"],
            rent: EuroAmount(cents: try row["rent_cents"]).description,
            charges: EuroAmount(cents: try row["charges_cents"]).description, contingent: try row["contingent"],
            availableFrom: try row["available_from"], landlordOrganisationId: try row["landlord_organisation_id"],
            createdAt: try row["created_at"])
    }
}

struct NewFlatRequest: ClosedJSONObject {
    static let fields: Set<String> = [
        "reference", "commune", "departement", "type", "rent", "charges", "contingent", "availableFrom",
    ]
    static let types = HouseholdVocabulary.flatTypes.codes
    static let contingents = HouseholdVocabulary.contingents.codes
    /// Above these, a monthly rent or charge is a typing error in social housing.
    static let maximumRent = EuroAmount(cents: 5_000_00)
    static let maximumCharges = EuroAmount(cents: 2_000_00)

    let reference: String
    let commune: String
    let departement: String
    let type: String
    let rent: String
    let charges: String
    let contingent: String
    let availableFrom: String

    func validated() throws -> (rent: EuroAmount, charges: EuroAmount) {
        try check(
            (1...60).contains(reference.trimmed.length), field: "reference",
            "La référence du logement compte de 1 à 60 caractères.")
        try check(
            (1...100).contains(commune.trimmed.length), field: "commune", "La commune compte de 1 à 100 caractères.")
        try check(
            departement.wholeMatch(of: /[0-9][0-9AB]|97[1-6]/) != nil, field: "departement",
            "Le département s'écrit avec son code (par exemple \"91\", \"2A\" ou \"974\").")
        try checkCode(type, in: Self.types, field: "type")
        guard let rent = EuroAmount(rent), rent.cents > 0, rent <= Self.maximumRent else {
            throw Problem.unprocessable(
                "Le loyer mensuel s'écrit en euros avec un point (par exemple \"512.40\"), de 0,01 à 5 000 €.",
                field: "rent")
        }
        guard let charges = EuroAmount(charges), charges <= Self.maximumCharges else {
            throw Problem.unprocessable(
                "Les charges mensuelles s'écrivent en euros avec un point (par exemple \"85.00\"), jusqu'à 2 000 €.",
                field: "charges")
        }
        try checkCode(contingent, in: Self.contingents, field: "contingent")
        try check(
            Day(iso: availableFrom) != nil, field: "availableFrom", "Date attendue au format AAAA-MM-JJ.")
        return (rent, charges)
    }
}

/// Flats' SQL; RLS shows a bailleur its own flats and every reader the flats of the
/// proposals it sees.
enum FlatStore {
    static let columns = """
        f.id, f.reference, f.commune, f.departement, f.flat_type, f.rent_cents, f.charges_cents, f.contingent,
        f.available_from, f.landlord_organisation_id, f.created_at
        """

    static func flats(from rows: PostgresRowSequence) async throws -> [Flat] {
        try await rows.collect(Flat.self)
    }

    /// The acting organisation's own flats, newest first.
    static func list(
        of organisation: UUID, after: (Int64, UUID)?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Flat] {
        try await flats(
            from: connection.query(
                """
                SELECT \(unescaped: columns) FROM flats f
                WHERE f.landlord_organisation_id = \(organisation)
                  AND (\(after?.0)::bigint IS NULL
                       OR (f.created_at, f.id) < ('epoch'::timestamptz + \(after?.0) * interval '1 microsecond', \(after?.1)))
                ORDER BY f.created_at DESC, f.id DESC LIMIT \(limit)
                """, logger: logger))
    }

    static func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Flat? {
        try await flats(
            from: connection.query("SELECT \(unescaped: columns) FROM flats f WHERE f.id = \(id)", logger: logger)
        ).first
    }

    /// Whether the acting organisation is a bailleur of some programme.
    static func isLandlord(_ organisation: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool
    {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM programme_partners WHERE organisation_id = \(organisation) AND part = 'landlord')
            """, logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    /// Nil when the bailleur already has a flat with this reference.
    static func create(
        _ request: NewFlatRequest, rent: EuroAmount, charges: EuroAmount, by actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Flat? {
        let id = UUID()
        let rows = try await connection.query(
            """
            INSERT INTO flats (id, landlord_organisation_id, created_by, reference, commune, departement, flat_type,
                               rent_cents, charges_cents, contingent, available_from)
            VALUES (\(id), \(actor.organisationID), \(actor.userID), \(request.reference.trimmed),
                    \(request.commune.trimmed), \(request.departement), \(request.type), \(rent.cents), \(charges.cents),
                    \(request.contingent), \(request.availableFrom)::date)
            ON CONFLICT (landlord_organisation_id, reference) DO NOTHING
            RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(UUID.self) { inserted = true }
        return inserted ? try await find(id, on: connection, logger: logger) : nil
    }
}
