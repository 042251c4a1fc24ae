import Foundation
import NIOCore
import PostgresNIO

/// The classification of every piece of household information (ACCESS.md §2).
public enum Level: String, Codable, Sendable, CaseIterable, Comparable {
    case partners, secret, `private`

    public static func < (a: Level, b: Level) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What decides who sees a household: its lead organisation, its care team, the active
/// consents and the open break-glass windows. Loaded once per request, under the reader's
/// own settings.
public struct HouseholdFacts: Sendable, Equatable {
    public var leadOrganisationID: UUID
    /// Active members of the care team.
    public var careTeam: Set<UUID>
    /// The highest active consent level per recipient organisation.
    public var consents: [UUID: Level]
    /// Whether the reader holds an open break-glass window on this household.
    public var readerBrokeGlass: Bool

    public init(leadOrganisationID: UUID, careTeam: Set<UUID>, consents: [UUID: Level], readerBrokeGlass: Bool) {
        self.leadOrganisationID = leadOrganisationID
        self.careTeam = careTeam
        self.consents = consents
        self.readerBrokeGlass = readerBrokeGlass
    }
}

/// R1–R4 and R8 as pure functions; `sql/0002` (`app_door`, `app_may_read`) says the same
/// in the database.
extension AccessRules {
    /// R1: the roles that work on households. `orgAdmin` and `evaluator` never pass the
    /// door on the strength of those roles.
    public static let householdRoles: Set<Role> = [.socialWorker, .serviceHead, .housingOfficer, .facilitator]

    public static func worksOnHouseholds(_ actor: Actor) -> Bool {
        !actor.roles.isDisjoint(with: householdRoles)
    }

    /// R9: an evaluator (with no other role) reads aggregates and nothing else — not even
    /// an inbox, preferences or the grid, which they have no use for.
    public static func readsAggregatesOnly(_ actor: Actor) -> Bool {
        actor.roles == [.evaluator]
    }

    public static func isLead(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        actor.organisationID == facts.leadOrganisationID
    }

    /// R1: the door.
    public static func passesDoor(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        guard worksOnHouseholds(actor) else { return false }
        return isLead(actor, facts)
            || (facts.careTeam.contains(actor.organisationID) && facts.consents[actor.organisationID] != nil)
    }

    /// R2–R4, and R8's window on the secret level.
    public static func mayRead(_ level: Level, author: UUID, _ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        guard passesDoor(actor, facts) else { return false }
        switch level {
        case .partners:
            return true
        case .secret:
            return actor.boundBySecret
                && (author == actor.organisationID || isLead(actor, facts)
                    || facts.consents[actor.organisationID] == .secret || facts.readerBrokeGlass)
        case .private:
            return actor.boundBySecret && author == actor.organisationID
        }
    }

    /// The care team is composed by the lead organisation's social workers and service heads.
    public static func mayManageCareTeam(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && isLead(actor, facts) && (actor.has(.socialWorker) || actor.has(.serviceHead))
    }

    /// R5: consent is recorded and withdrawn by bound users of the lead organisation.
    public static func mayManageConsents(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && isLead(actor, facts) && actor.boundBySecret
    }

    /// R8: a bound service head on the care team, in an emergency.
    public static func mayBreakGlass(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && actor.has(.serviceHead) && actor.boundBySecret
    }

    /// R11/R12: the access log and the export are for bound users of the lead organisation.
    public static func mayReadAccessLog(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && isLead(actor, facts) && actor.boundBySecret
    }

    /// The référent's record of the path: the contrat d'accompagnement (signed by the lead
    /// organisation, the opérateur), the lease, the end of the accompaniment, its outcome and
    /// a reopening. Written by the lead organisation's social workers and service heads.
    public static func mayRecordPath(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && isLead(actor, facts) && (actor.has(.socialWorker) || actor.has(.serviceHead))
    }

    /// Bailleur staff through the door propose the bailleur's flats, record the CAL's
    /// decisions and report alerts; that the flat is their organisation's is checked with it.
    public static func mayWriteHousing(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && actor.has(.housingOfficer)
    }

    /// The household's answer to a proposal is recorded by the bailleur that proposed the flat
    /// (`proposedByActor`) or by the référent's organisation.
    public static func mayRecordAnswer(_ actor: Actor, _ facts: HouseholdFacts, proposedByActor: Bool) -> Bool {
        (mayWriteHousing(actor, facts) && proposedByActor) || mayRecordPath(actor, facts)
    }

    /// Meetings and aid are recorded by social workers and service heads of any organisation
    /// through the door, each in its own name (R6).
    public static func mayRecordSocialWork(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && (actor.has(.socialWorker) || actor.has(.serviceHead))
    }

    /// The diagnostic is the référent's: written by bound social workers and service heads
    /// of the lead organisation (its comments are secret by default).
    public static func mayWriteDiagnostic(_ actor: Actor, _ facts: HouseholdFacts) -> Bool {
        passesDoor(actor, facts) && isLead(actor, facts) && actor.boundBySecret
            && (actor.has(.socialWorker) || actor.has(.serviceHead))
    }
}

/// A `level` column (a check constraint keeps it to the three values). Written out: a Codable
/// raw-value enum would otherwise get two defaults, the jsonb one and the raw value's.
extension Level: PostgresDecodable {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        let text = try String(from: &buffer, type: type, format: format, context: context)
        guard let level = Level(rawValue: text) else { throw PostgresDecodingError.Code.failure }
        self = level
    }
}
