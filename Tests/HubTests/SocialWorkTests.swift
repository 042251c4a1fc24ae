import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

/// Meetings and aid (issue 5): bad input is a French 422, amounts are exact, and each
/// reader sees the levels R2–R4 allow.
@Suite struct SocialWorkTests {
    static func meeting(
        kind: String = "homeVisit", status: String = "held", startsAt: String = "2025-03-04T09:30:00Z",
        duration: Int? = 60, note: String? = nil, noteLevel: String? = nil
    ) -> [String: Any] {
        var body: [String: Any] = ["kind": kind, "status": status, "startsAt": startsAt]
        if let duration { body["durationMinutes"] = duration }
        if let note { body["note"] = note }
        if let noteLevel { body["noteLevel"] = noteLevel }
        return body
    }

    static func aid(
        kind: String = "fslAccess", amount: String = "850.00", status: String = "granted",
        requestedOn: String = "2025-02-01", decidedOn: String? = "2025-02-20", level: String? = nil
    ) -> [String: Any] {
        var body: [String: Any] = ["kind": kind, "amount": amount, "status": status, "requestedOn": requestedOn]
        if let decidedOn { body["decidedOn"] = decidedOn }
        if let level { body["level"] = level }
        return body
    }

    @Test func badMeetingsAndAidsAreRefusedInFrench() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let lead = world.headers(.leadBound)
            let meetings = "/v1/households/\(world.household)/meetings"
            for (body, field) in [
                (Self.meeting(kind: "dîner"), "kind"),
                (Self.meeting(status: "annulé"), "status"),
                (Self.meeting(duration: nil), "durationMinutes"),
                (Self.meeting(duration: 0), "durationMinutes"),
                (Self.meeting(duration: 6000), "durationMinutes"),
                (Self.meeting(startsAt: "2999-01-01T10:00:00Z"), "startsAt"),
                (Self.meeting(status: "planned", startsAt: "2999-01-01T10:00:00Z"), "startsAt"),
                (Self.meeting(note: "   "), "note"),
                (Self.meeting(note: "ok", noteLevel: "public"), "noteLevel"),
            ] {
                try await client.execute(uri: meetings, method: .post, headers: lead, body: json(body))
                    .expectProblem(.unprocessableContent, field: field)
            }
            let aids = "/v1/households/\(world.household)/aids"
            for (body, field) in [
                (Self.aid(kind: "loto"), "kind"),
                (Self.aid(amount: "-10"), "amount"),
                (Self.aid(amount: "12,50"), "amount"),
                (Self.aid(amount: "1e3"), "amount"),
                (Self.aid(amount: "100000.01"), "amount"),
                (Self.aid(amount: "10.999"), "amount"),
                (Self.aid(status: "peut-être"), "status"),
                (Self.aid(requestedOn: "2999-01-01"), "requestedOn"),
                (Self.aid(decidedOn: "2025-01-01"), "decidedOn"),
                (Self.aid(decidedOn: nil), "decidedOn"),
                (Self.aid(status: "requested"), "decidedOn"),
            ] {
                try await client.execute(uri: aids, method: .post, headers: lead, body: json(body))
                    .expectProblem(.unprocessableContent, field: field)
            }
            // JSON numbers are not amounts: the amount is a string, so no float ever stands for euros.
            var numeric = Self.aid()
            numeric["amount"] = 850.1
            let refused = try await client.execute(uri: aids, method: .post, headers: lead, body: json(numeric))
            #expect(refused.status.code >= 400 && refused.status.code < 500)
        }
    }

    @Test func eachReaderSeesTheLevelsItMay() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let lead = world.headers(.leadBound)
            let meetings = "/v1/households/\(world.household)/meetings"
            let aids = "/v1/households/\(world.household)/aids"
            let held = try await client.execute(
                uri: meetings, method: .post, headers: lead,
                body: json(Self.meeting(note: "Budget serré, dette EDF évoquée.")))
            #expect(held.status == .created)
            #expect((held.object["note"] as? [String: Any])?["level"] as? String == "secret")
            let missed = try await client.execute(
                uri: meetings, method: .post, headers: world.headers(.partnerPartners),
                body: json(Self.meeting(kind: "phone", status: "missed", duration: nil)))
            #expect(missed.status == .created)
            #expect(missed.object["durationMinutes"] is NSNull && missed.object["note"] is NSNull)
            let granted = try await client.execute(
                uri: aids, method: .post, headers: lead, body: json(Self.aid(amount: "1234.5")))
            #expect(granted.object["amount"] as? String == "1234.50")
            #expect(granted.object["level"] as? String == "secret")
            #expect(
                try await client.execute(
                    uri: aids, method: .post, headers: lead,
                    body: json(
                        Self.aid(kind: "foodAid", amount: "60", status: "requested", decidedOn: nil, level: "partners"))
                ).status == .created)

            func read(_ seat: HouseholdWorld.Seat) async throws -> (notes: [String], meetings: Int, aids: [String]) {
                let m = try await client.execute(uri: meetings, method: .get, headers: world.headers(seat)).items
                let a = try await client.execute(uri: aids, method: .get, headers: world.headers(seat)).items
                return (
                    m.compactMap { ($0["note"] as? [String: Any])?["body"] as? String }, m.count,
                    a.compactMap { $0["amount"] as? String }.sorted()
                )
            }
            // The lead and the orienting partner (secret consent) read the note and the secret aid.
            for seat in [HouseholdWorld.Seat.leadBound, .partnerSecret] {
                let seen = try await read(seat)
                #expect(seen.notes == ["Budget serré, dette EDF évoquée."], "\(seat)")
                #expect(seen.meetings == 2 && seen.aids == ["1234.50", "60.00"], "\(seat)")
            }
            // The bailleur and a partners-level partner: both meetings, no note, only the partners aid.
            for seat in [HouseholdWorld.Seat.housingOfficer, .partnerPartners] {
                let seen = try await read(seat)
                #expect(seen.notes.isEmpty && seen.meetings == 2 && seen.aids == ["60.00"], "\(seat)")
            }
        }
    }
}
