import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// Who follows the household (its care team) and what the person agreed to share with whom
/// (consents, R5): composed by the lead organisation, each change audited.
extension HouseholdsController {
    // MARK: Care team

    @Sendable func careTeam(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<CareTeamMember>
    {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "careTeam.read", context: context) { connection, _, _ in
            let members = try await HouseholdStore.careTeam(of: id, on: connection, logger: context.logger)
            return (ItemList(items: members), .disclosed([.partners]))
        }
    }

    @Sendable func addToCareTeam(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<
        CareTeamMember
    > {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: CareTeamRequest.self, context: context)
        return try await gate.run(id, action: "careTeam.add", context: context) { connection, actor, facts in
            guard AccessRules.mayManageCareTeam(actor, facts) else {
                throw Problem.forbidden(
                    "L'équipe qui suit le ménage est composée par les travailleurs sociaux de l'organisation référente."
                )
            }
            guard
                try await HouseholdStore.isProgrammePartner(
                    body.organisationId, of: id, on: connection, logger: context.logger)
            else {
                throw Problem.unprocessable(
                    "Cette organisation n'est pas partenaire du programme du ménage.", field: "organisationId")
            }
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            let addedOn = try Day.effective(body.occurredOn, field: "occurredOn", programme: programme)
            try await HouseholdStore.addToCareTeam(
                body.organisationId, on: addedOn, household: id, on: connection, logger: context.logger)
            let members = try await HouseholdStore.careTeam(of: id, on: connection, logger: context.logger)
            return (ItemList(items: members), .changed())
        }
    }

    @Sendable func removeFromCareTeam(_ request: Request, context: AuthenticatedContext) async throws
        -> HTTPResponse.Status
    {
        let id = try context.parameters.uuid("householdId")
        let organisation = try context.parameters.uuid("organisationId")
        return try await gate.run(id, action: "careTeam.remove", context: context) { connection, actor, facts in
            guard AccessRules.mayManageCareTeam(actor, facts) else {
                throw Problem.forbidden(
                    "L'équipe qui suit le ménage est composée par les travailleurs sociaux de l'organisation référente."
                )
            }
            guard
                try await HouseholdStore.removeFromCareTeam(
                    organisation, on: .today(), household: id, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            return (.noContent, .changed())
        }
    }

    // MARK: Consents

    @Sendable func consents(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<ConsentRecord> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "consent.read", context: context) { connection, _, _ in
            let consents = try await HouseholdStore.consents(of: id, on: connection, logger: context.logger)
            return (ItemList(items: consents), .disclosed([.partners]))
        }
    }

    @Sendable func giveConsent(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<
        ItemList<ConsentRecord>
    > {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewConsentRequest.self, context: context)
        let consent = try body.consent.validated(field: "")
        let consents = try await gate.run(id, action: "consent.give", context: context) { connection, actor, facts in
            guard AccessRules.mayManageConsents(actor, facts) else {
                throw Problem.forbidden(
                    "Le consentement est recueilli par un professionnel tenu au secret de l'organisation référente.")
            }
            guard body.recipientOrganisationId != actor.organisationID,
                try await HouseholdStore.isProgrammePartner(
                    body.recipientOrganisationId, of: id, on: connection, logger: context.logger)
            else {
                throw Problem.unprocessable(
                    "Le destinataire doit être une autre organisation partenaire du programme du ménage.",
                    field: "recipientOrganisationId")
            }
            let period = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            let givenOn = try Day.effective(consent.givenOn, field: "givenOn", programme: period)
            try await HouseholdStore.recordConsent(
                consent, givenOn: givenOn, expiresAt: try consent.expiry(givenOn: givenOn, field: ""),
                recipient: body.recipientOrganisationId, household: id, by: actor, on: connection,
                logger: context.logger)
            let consents = try await HouseholdStore.consents(of: id, on: connection, logger: context.logger)
            return (ItemList(items: consents), .changed())
        }
        return EditedResponse(status: .created, response: consents)
    }

    @Sendable func withdrawConsent(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<
        ConsentRecord
    > {
        let id = try context.parameters.uuid("householdId")
        let consentID = try context.parameters.uuid("consentId")
        let body = try await request.decodeOptionalJSON(as: OccurrenceRequest.self, context: context)
        return try await gate.run(id, action: "consent.withdraw", context: context) { connection, actor, facts in
            guard AccessRules.mayManageConsents(actor, facts) else {
                throw Problem.forbidden(
                    "Le retrait du consentement est enregistré par un professionnel tenu au secret de l'organisation référente."
                )
            }
            guard
                let givenOn = try await HouseholdStore.activeConsentDay(
                    consentID, household: id, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            let withdrawnOn = try Day.effective(
                body?.occurredOn, field: "occurredOn", programme: programme,
                follows: FactDay.Step(givenOn, "le consentement"))
            guard
                let recipient = try await HouseholdStore.withdrawConsent(
                    consentID, on: withdrawnOn, household: id, by: actor, on: connection, logger: context.logger)
            else { throw Problem.notFound }
            let reference = try await HouseholdStore.reference(of: id, on: connection, logger: context.logger)
            // Told to the organisation losing the consent (R5: it takes effect at once).
            try await Outbox.record(
                .household(.consentWithdrawn, id, reference: reference, by: actor, to: [recipient]),
                on: connection, logger: context.logger)
            let consents = try await HouseholdStore.consents(of: id, on: connection, logger: context.logger)
            return (ItemList(items: consents), .changed())
        }
    }
}
