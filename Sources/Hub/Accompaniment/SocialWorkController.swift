import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// Meetings and aid (issue 5): recorded by social workers and service heads of any
/// organisation through the door, each in its own name; read by each reader as R1–R4 allow.
struct SocialWorkController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("households/:householdId/meetings", use: meetings)
        group.post("households/:householdId/meetings", use: addMeeting)
        group.patch("households/:householdId/meetings/:meetingId", use: completeMeeting)
        group.get("households/:householdId/aids", use: aids)
        group.post("households/:householdId/aids", use: addAid)
    }

    func requireSocialWork(_ actor: Actor, _ facts: HouseholdFacts) throws {
        guard AccessRules.mayRecordSocialWork(actor, facts) else {
            throw Problem.forbidden("Les rendez-vous et les aides sont enregistrés par les travailleurs sociaux.")
        }
    }

    @Sendable func meetings(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Meeting> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "meeting.read", context: context) { connection, _, _ in
            let meetings = try await MeetingStore.list(of: id, on: connection, logger: context.logger)
            let levels = Set([Level.partners] + meetings.compactMap { $0.note.flatMap { Level(rawValue: $0.level) } })
            return (ItemList(items: meetings), .disclosed(levels))
        }
    }

    @Sendable func addMeeting(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Meeting>
    {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewMeetingRequest.self, context: context)
        let noteLevel = try body.validate()
        let meeting = try await gate.run(id, action: "meeting.add", context: context) { connection, actor, facts in
            try requireSocialWork(actor, facts)
            // A meeting held or missed is a fact of the programme; a planned one is not yet.
            if body.status != "planned" {
                let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
                try Day(body.startsAt).check(within: programme, field: "startsAt")
            }
            let meeting = try await MeetingStore.create(
                body, noteLevel: noteLevel, household: id, by: actor, on: connection, logger: context.logger)
            return (
                meeting, .changed(body.note == nil ? [.partners] : [.partners, noteLevel])
            )
        }
        return EditedResponse(status: .created, response: meeting)
    }

    /// A planned meeting is declared held or missed, once, by the organisation that planned it.
    @Sendable func completeMeeting(_ request: Request, context: AuthenticatedContext) async throws -> Meeting {
        let id = try context.parameters.uuid("householdId")
        let meetingID = try context.parameters.uuid("meetingId")
        let body = try await request.decodeJSON(as: MeetingOutcomeRequest.self, context: context)
        try body.validate()
        return try await gate.run(id, action: "meeting.complete", context: context) { connection, actor, facts in
            try requireSocialWork(actor, facts)
            guard
                let meeting = try await MeetingStore.list(
                    of: id, only: meetingID, on: connection, logger: context.logger
                ).first
            else { throw Problem.notFound }
            guard meeting.authorOrganisationId == actor.organisationID else {
                throw Problem.forbidden("Seule l'organisation qui a planifié ce rendez-vous le complète.")
            }
            guard meeting.status == "planned" else {
                throw Problem.conflict(
                    "Ce rendez-vous est déjà déclaré \(meeting.status == "held" ? "tenu" : "manqué").")
            }
            guard meeting.startsAt <= Date() else {
                throw Problem.conflict("Un rendez-vous à venir ne peut pas être déclaré tenu ou manqué.")
            }
            // Held or missed, it becomes a fact of the programme (as when recorded so at once).
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            try Day(meeting.startsAt).check(within: programme, field: "startsAt")
            try await MeetingStore.complete(
                meetingID, household: id, body, on: connection, logger: context.logger)
            guard
                let completed = try await MeetingStore.list(
                    of: id, only: meetingID, on: connection, logger: context.logger
                ).first
            else { throw Problem.internal }
            return (completed, .changed())
        }
    }

    @Sendable func aids(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Aid> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "aid.read", context: context) { connection, _, _ in
            let aids = try await AidStore.list(of: id, on: connection, logger: context.logger)
            return (
                ItemList(items: aids),
                .disclosed(Set(aids.compactMap { Level(rawValue: $0.level) }))
            )
        }
    }

    @Sendable func addAid(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Aid> {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewAidRequest.self, context: context)
        let checked = try body.validated()
        let aid = try await gate.run(id, action: "aid.add", context: context) { connection, actor, facts in
            try requireSocialWork(actor, facts)
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            try checked.requestedOn.check(within: programme, field: "requestedOn")
            try checked.decidedOn?.check(within: programme, field: "decidedOn")
            let aid = try await AidStore.create(
                body, checked, household: id, by: actor, on: connection, logger: context.logger)
            return (aid, .changed([checked.level]))
        }
        return EditedResponse(status: .created, response: aid)
    }
}

extension Meeting: ResponseEncodable {}
extension Aid: ResponseEncodable {}
