import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// Issue 21: the comité's pages in the console, on the API's gate, stores and rules. Each
/// page is compared with its API route for every seat of ComiteTests' CellWorld (R10), and
/// the facilitator runs a comité through the forms alone.
@Suite struct ComitePagesTests {
    typealias Seat = HouseholdWorld.Seat

    func withConsole(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withApp(configure: { $0.notify.publicURL = ConsoleTests.origin }, body)
    }

    /// A page as `token`'s reader (the cookie is the API's session token).
    static func page(_ client: some TestClientProtocol, _ uri: String, _ token: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: ConsoleTests.session(token))
    }

    /// A form posted as `token`'s reader, with the session's CSRF token.
    static func submit(
        _ client: some TestClientProtocol, _ uri: String, _ token: String, _ fields: [String: String] = [:]
    ) async throws -> TestResponse {
        var fields = fields
        fields["csrf"] = fields["csrf"] ?? ConsoleSecurity.csrfToken(forSession: token)
        return try await client.execute(
            uri: uri, method: .post, headers: ConsoleTests.post("__Host-hub_session=\(token)"),
            body: ConsoleTests.form(fields))
    }

    /// The audit actions recorded for `user` since `after` (an audit row id), oldest first.
    static func recorded(by user: UUID, after: Int64) async throws -> [String] {
        try await withOwner { owner in
            let rows = try await owner.query(
                "SELECT action || ':' || outcome FROM audit_log WHERE user_id = \(user) AND id > \(after) ORDER BY id",
                logger: TestDatabase.logger)
            var actions: [String] = []
            for try await action in rows.decode(String.self) { actions.append(action) }
            return actions
        }
    }

    static func lastAuditRow() async throws -> Int64 {
        try await withOwner { owner in
            try await owner.query("SELECT coalesce(max(id), 0) FROM audit_log", logger: TestDatabase.logger)
                .decode(Int64.self).first { _ in true } ?? 0
        }
    }

    /// A page's text as a reader sees it: entities decoded.
    static func text(_ response: TestResponse) -> String {
        String(buffer: response.body).replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func eachSeatReadsTheComitesPagesAsItsAPIRoutes() async throws {
        try await withConsole { client in
            let w = try await ComiteTests.cellWorld(client)
            try await ComiteTests.publish(w)
            try await ComiteTests.hold(w, present: [.leadBound, .partnerSecret, .housingOfficer])
            let item = try #require(
                (try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            let discussion = "discussion-secrete-\(UUID().uuidString.prefix(8))"
            let decided = try await w.call(
                .post, "\(w.comite())/items/\(item)/decision", nil,
                ["decision": "continue", "discussion": discussion, "discussionLevel": "secret"])
            #expect(decided.status == .created)
            let comite = w.comites[0].lowercased()
            let household = w.world.household.uuidString.lowercased()
            let sheetTexts = ["diag-preconisations-secret", "diag-comment-private"]
            for seat in Seat.allCases where seat != .anonymous {
                let token = try #require(w.world.token(seat), "\(seat)")
                let api = try await w.call(.get, w.comite(), seat)
                let agenda = try await Self.page(client, "/comites/\(comite)", token)
                #expect(agenda.status == api.status, "\(seat) agenda")
                let sheet = try await w.call(.get, "\(w.comite())/items/\(item)/sheet", seat)
                let pack = try await Self.page(client, "/comites/\(comite)/impression", token)
                #expect(pack.status == api.status, "\(seat) print pack")
                let minutesAPI = try await w.call(.get, "\(w.comite())/minutes", seat)
                let minutes = try await Self.page(client, "/comites/\(comite)/compte-rendu", token)
                #expect(minutes.status == minutesAPI.status, "\(seat) minutes")
                let meeting = try await Self.page(client, "/comites/\(comite)/seance", token)
                #expect(meeting.status == api.status, "\(seat) meeting")
                guard api.status == .ok else {
                    // Not a member: the page of a comité that does not exist, on every tab.
                    let missing = try await Self.page(client, "/comites/\(UUID())", token)
                    #expect(ConsoleTests.stable(agenda) == ConsoleTests.stable(missing), "\(seat)")
                    #expect(ConsoleTests.stable(pack) == ConsoleTests.stable(missing), "\(seat)")
                    continue
                }
                // The household is on each page exactly when the API shows it on the agenda,
                // numbered from 1 among the items shown.
                let shown = !((api.object["agenda"] as? [[String: Any]]) ?? []).isEmpty
                for page in [agenda, pack, minutes, meeting] {
                    #expect(String(buffer: page.body).contains("/menages/\(household)") == shown, "\(seat)")
                }
                if shown {
                    #expect(Self.text(agenda).contains(#"<strong>1. <a href="/menages/\#(household)">"#), "\(seat)")
                }
                // Each sheet text and the secret discussion, exactly when the API gives them.
                for text in sheetTexts {
                    let readable = sheet.status == .ok && String(buffer: sheet.body).contains(text)
                    #expect(Self.text(pack).contains(text) == readable, "\(seat) \(text) pack")
                    #expect(Self.text(meeting).contains(text) == readable, "\(seat) \(text) meeting")
                }
                #expect(
                    Self.text(minutes).contains(discussion) == String(buffer: minutesAPI.body).contains(discussion),
                    "\(seat) discussion")
                // Only the cell's facilitator sees the forms that run the comité.
                #expect(!Self.text(minutes).contains("Valider le compte-rendu"), "\(seat)")
            }
            let facilitator = try await Self.page(client, "/comites/\(comite)/compte-rendu", w.facilitator)
            #expect(Self.text(facilitator).contains("Valider le compte-rendu"))
            #expect(Self.text(facilitator).contains(discussion))
        }
    }

    @Test func theFacilitatorRunsAComiteThroughTheFormsWithTheAPIsRules() async throws {
        try await withConsole { client in
            let w = try await ComiteTests.cellWorld(client)
            let comite = w.comites[0].lowercased()
            let base = "/comites/\(comite)"
            let household = w.world.household.uuidString.lowercased()
            func expectRedirect(_ response: TestResponse, _ location: String, _ label: String) {
                #expect(response.status == .seeOther, "\(label): \(Self.text(response).prefix(400))")
                #expect(response.headers[.location] == location, "\(label)")
            }

            // A member may not compose: the API's 403, as a page; without a CSRF token, refused.
            let member = try #require(w.world.token(.partnerSecret))
            let refused = try await Self.submit(client, "\(base)/ordre-du-jour/construction", member)
            #expect(refused.status == .forbidden)
            #expect(Self.text(refused).contains("Seul l'animateur"))
            let forged = try await Self.submit(
                client, "\(base)/ordre-du-jour/construction", w.facilitator, ["csrf": "faux"])
            #expect(forged.status == .forbidden)

            // Composed: an item added with its reason, then published.
            let empty = try await Self.submit(client, "\(base)/points", w.facilitator, ["householdId": household])
            #expect(empty.status == .unprocessableContent)
            #expect(Self.text(empty).contains("Le point ajouté à l'ordre du jour est motivé."))
            expectRedirect(
                try await Self.submit(
                    client, "\(base)/points", w.facilitator, ["householdId": household, "reason": "Point logement"]),
                "\(base)?avis=point-ajoute", "add")
            // The facilitator's agenda page, with its form of the cell's situations: one record.
            var mark = try await Self.lastAuditRow()
            let agenda = Self.text(try await Self.page(client, base, w.facilitator))
            #expect(try await Self.recorded(by: w.facilitatorID, after: mark) == ["comite.read:disclosed"])
            // Moving the only item: nothing moves, one record of the order's form, no notice.
            let item0 = try #require(
                (try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            mark = try await Self.lastAuditRow()
            expectRedirect(
                try await Self.submit(
                    client, "\(base)/points/\(item0)/deplacement", w.facilitator, ["direction": "up"]),
                base, "move")
            #expect(try await Self.recorded(by: w.facilitatorID, after: mark) == ["comite.agenda.order:changed"])
            #expect(agenda.contains("Ajout de l'animateur — Point logement"))
            #expect(agenda.contains("Publier l'ordre du jour"))
            expectRedirect(
                try await Self.submit(client, "\(base)/publication", w.facilitator), "\(base)?avis=odj-publie",
                "publish")
            let again = try await Self.submit(client, "\(base)/publication", w.facilitator)
            #expect(again.status == .conflict)

            // The meeting: attendance, then a refused end (no bilan de fin), then a decision.
            let people = [Seat.leadBound, .partnerSecret].map { w.world.people[$0]!.user.id.uuidString.lowercased() }
            mark = try await Self.lastAuditRow()
            expectRedirect(
                try await Self.submit(
                    client, "\(base)/seance", w.facilitator,
                    Dictionary(uniqueKeysWithValues: people.map { ("present-\($0)", "1") })),
                "\(base)/seance?avis=seance-ouverte", "hold")
            #expect(try await Self.recorded(by: w.facilitatorID, after: mark) == ["comite.hold:changed"])
            let attendance = try await w.call(.get, "\(w.comite())/minutes")
            let present = (attendance.object["attendance"] as? [[String: Any]] ?? []).filter {
                $0["present"] as? Bool == true
            }
            #expect(present.count == 2)
            let item = try #require(
                (try await w.call(.get, w.comite()).object["agenda"] as? [[String: Any]])?.first?["id"] as? String)
            let end = try await Self.submit(
                client, "\(base)/points/\(item)/decision", w.facilitator,
                [
                    "point": "1", "decision": "endAccompaniment", "outcome": "rehousedInProgrammeStock",
                    "endedOn": PathTests.day(0), "discussionLevel": "partners",
                ])
            #expect(end.status == .conflict)
            #expect(Self.text(end).contains("après un bilan de fin tenu avec le ménage"))
            expectRedirect(
                try await Self.submit(
                    client, "\(base)/points/\(item)/decision", w.facilitator,
                    [
                        "point": "1", "decision": "continue", "discussion": "Relogement en vue",
                        "discussionLevel": "secret",
                    ]),
                "\(base)/seance?point=1&avis=decision-enregistree", "decide")
            let owner = w.world.organisations["op"]!.id.uuidString.lowercased()
            expectRedirect(
                try await Self.submit(
                    client, "\(base)/points/\(item)/actions", w.facilitator,
                    [
                        "point": "1", "description": "Relancer le bailleur",
                        "owner": "\(owner)|\(w.facilitatorID.uuidString.lowercased())",
                        "dueOn": PathTests.day(14), "level": "partners",
                    ]),
                "\(base)/seance?point=1&avis=action-ajoutee", "action")
            let meeting = Self.text(try await Self.page(client, "\(base)/seance?point=1", w.facilitator))
            #expect(meeting.contains("Poursuite de l'accompagnement"))
            #expect(meeting.contains("Relancer le bailleur"))

            // The minutes: validated, diffused, corrected by an erratum.
            let early = try await Self.submit(client, "\(base)/compte-rendu/diffusion", w.facilitator)
            #expect(early.status == .conflict)
            expectRedirect(
                try await Self.submit(client, "\(base)/compte-rendu/validation", w.facilitator),
                "\(base)/compte-rendu?avis=cr-valide", "validate")
            expectRedirect(
                try await Self.submit(client, "\(base)/compte-rendu/diffusion", w.facilitator),
                "\(base)/compte-rendu?avis=cr-diffuse", "diffuse")
            expectRedirect(
                try await Self.submit(
                    client, "\(base)/compte-rendu/errata", w.facilitator,
                    ["body": "Échéance de l'action reportée d'une semaine", "itemId": item, "level": "partners"]),
                "\(base)/compte-rendu?avis=erratum-diffuse", "erratum")
            let minutes = Self.text(try await Self.page(client, "\(base)/compte-rendu", w.facilitator))
            #expect(minutes.contains("Version 2"))
            #expect(minutes.contains("Version 2, point 1 : Échéance de l'action reportée d'une semaine"))
            #expect(minutes.contains("Relogement en vue"))
            // A partner who may not read the secret discussion reads the rest of the minutes.
            let landlord = Self.text(
                try await Self.page(client, "\(base)/compte-rendu", try #require(w.world.token(.housingOfficer))))
            #expect(landlord.contains("Poursuite de l'accompagnement"))
            #expect(!landlord.contains("Relogement en vue"))
        }
    }

    @Test func theCellPageShowsWaitingRequestsAndItsCalendarFeedWithoutHouseholds() async throws {
        try await withConsole { client in
            let w = try await ComiteTests.cellWorld(client)
            // A partner asks from the household's page, through the API's rules: a reason is
            // required, and only the référent's organisation proposes to end the accompaniment.
            let reason = "Impayés depuis deux mois, à voir en comité"
            let partner = try #require(w.world.token(.partnerSecret))
            let dossier = "/menages/\(w.world.household.uuidString.lowercased())"
            #expect(!Self.text(try await Self.page(client, dossier, partner)).contains("Proposition de fin"))
            let lead = try #require(w.world.token(.leadBound))
            let leadDossier = Self.text(try await Self.page(client, dossier, lead))
            #expect(leadDossier.contains("Proposition de fin"))
            // The dossier's shell names its own fields (MustacheParent): the menu is there too.
            #expect(leadDossier.contains(#"<a href="/cellules">Cellules et comités</a>"#))
            #expect(leadDossier.contains(#"<a href="/messages">Messages</a>"#))
            let unmotivated = try await Self.submit(
                client, "\(dossier)/examen-en-comite", partner, ["kind": "review", "reason": " "])
            #expect(unmotivated.status == .unprocessableContent)
            #expect(Self.text(unmotivated).contains("La demande d'examen en comité est motivée."))
            let ending = try await Self.submit(
                client, "\(dossier)/examen-en-comite", partner, ["kind": "endProposal", "reason": "Fin"])
            #expect(ending.status == .forbidden)
            let asked = try await Self.submit(
                client, "\(dossier)/examen-en-comite", partner, ["kind": "review", "reason": reason])
            #expect(asked.status == .seeOther)
            #expect(asked.headers[.location] == "\(dossier)?avis=examen-demande")
            let page = Self.text(try await Self.page(client, "/cellules/\(w.cell)", w.facilitator))
            #expect(page.contains(reason))
            #expect(page.contains(w.world.organisations["ref"]!.name))
            // The waiting requests are the facilitator's: a member reads the cell without them.
            for seat in [Seat.partnerWithdrawn, .partnerSecret, .leadBound] {
                let member = Self.text(
                    try await Self.page(client, "/cellules/\(w.cell)", try #require(w.world.token(seat))))
                #expect(member.contains("Comités à venir") && !member.contains(reason), "\(seat)")
            }
            // Those who work on no household have no cell, as the API says.
            for seat in [Seat.orgAdmin, .evaluator] {
                let page = try await Self.page(client, "/cellules/\(w.cell)", try #require(w.world.token(seat)))
                let api = try await w.call(.get, "/v1/cells/\(w.cell)", seat)
                #expect(page.status == api.status, "\(seat)")
            }
            // Not a member: the page of a cell that does not exist.
            let outsider = try await Self.page(
                client, "/cellules/\(w.cell)", try #require(w.world.token(.otherProgramme)))
            #expect(outsider.status == .notFound)

            // The calendar: an address shown once, fetched without a session, revoked.
            let opened = try await Self.submit(client, "/cellules/\(w.cell)/calendrier", w.facilitator)
            #expect(opened.status == .ok)
            let url = try #require(
                Self.text(opened).firstMatch(
                    of: /value="(https:\/\/hub\.example\.fr\/calendrier\/[A-Za-z0-9_-]{43}\.ics)"/
                )
                .map { String($0.1) })
            let path = String(url.dropFirst(ConsoleTests.origin.count))
            let feed = try await client.execute(uri: path, method: .get)
            #expect(feed.status == .ok)
            #expect(feed.headers[.contentType] == "text/calendar; charset=utf-8")
            let ics = String(buffer: feed.body)
            #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\n"))
            #expect(ics.components(separatedBy: "BEGIN:VEVENT").count - 1 == w.comites.count)
            let reference = try #require(
                try await w.call(.get, "/v1/households/\(w.world.household)", .leadBound).object["reference"] as? String
            )
            for secret in [reference, "Diallo", reason, "Situation à examiner"] {
                #expect(!ics.contains(secret), "\(secret)")
            }
            #expect(RequestLogMiddleware.loggedPath(path) == "/calendrier/:secret")
            // A new address replaces the old one; revoked, it answers as an unknown one.
            let replaced = try await Self.submit(client, "/cellules/\(w.cell)/calendrier", w.facilitator)
            #expect(replaced.status == .ok)
            #expect(try await client.execute(uri: path, method: .get).status == .notFound)
            let current = try #require(
                Self.text(replaced).firstMatch(of: /value="https:\/\/hub\.example\.fr(\/calendrier\/[^"]+)"/)
                    .map { String($0.1) })
            #expect(try await client.execute(uri: current, method: .get).status == .ok)
            // A member's address stops answering when their membership is disabled.
            let housing = try #require(w.world.token(.housingOfficer))
            let theirs = try await Self.submit(client, "/cellules/\(w.cell)/calendrier", housing)
            let theirPath = try #require(
                Self.text(theirs).firstMatch(of: /value="https:\/\/hub\.example\.fr(\/calendrier\/[^"]+)"/)
                    .map { String($0.1) })
            #expect(try await client.execute(uri: theirPath, method: .get).status == .ok)
            let landlord = w.world.people[.housingOfficer]!.user.id
            try await withOwner { owner in
                try await owner.query(
                    "UPDATE memberships SET disabled_at = now() WHERE user_id = \(landlord)",
                    logger: TestDatabase.logger)
            }
            #expect(try await client.execute(uri: theirPath, method: .get).status == .notFound)
            let revoked = try await Self.submit(client, "/cellules/\(w.cell)/calendrier/revocation", w.facilitator)
            #expect(revoked.status == .seeOther)
            #expect(try await client.execute(uri: current, method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/calendrier/inconnu.ics", method: .get).status == .notFound)
        }
    }
}
