import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

@Suite struct HouseholdTests {
    @Test func withdrawalTakesEffectOnTheVeryNextRequest() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let uri = "/v1/households/\(world.household)"
            #expect(
                try await client.execute(uri: uri, method: .get, headers: world.headers(.partnerPartners)).status == .ok
            )
            let consents = try await client.execute(
                uri: "\(uri)/consents", method: .get, headers: world.headers(.leadBound))
            let partP = world.organisations["partP"]!.id.uuidString
            let consent = try #require(
                consents.items.first {
                    ($0["recipientOrganisation"] as? [String: Any])?["id"] as? String == partP
                        && $0["active"] as? Bool == true
                }?["id"] as? String)
            let withdrawn = try await client.execute(
                uri: "\(uri)/consents/\(consent)/withdraw", method: .post, headers: world.headers(.leadBound))
            #expect(withdrawn.status == .ok)
            try await client.execute(uri: uri, method: .get, headers: world.headers(.partnerPartners)).expectProblem(
                .notFound)
            try await client.execute(uri: "\(uri)/notes", method: .get, headers: world.headers(.partnerPartners))
                .expectProblem(.notFound)
            // The change is announced with an opaque reference only (R13).
            let reference =
                try await client.execute(uri: uri, method: .get, headers: world.headers(.leadBound))
                .object["reference"] as? String
            let events = try await withOwner { owner in
                try await owner.query(
                    "SELECT topic, reference FROM notify_events WHERE household_id = \(world.household) ORDER BY created_at"
                ).decode((String, String).self).reduce(into: [(String, String)]()) { $0.append($1) }
            }
            #expect(events.map(\.0).contains("consentWithdrawn"))
            #expect(events.allSatisfy { $0.1 == reference })
        }
    }

    /// Anyone through the door writes at any level (R6), even a level they cannot read back:
    /// an unbound housing officer's note defaults to `secret`.
    @Test func anUnboundAuthorWritesASecretNoteByDefault() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let uri = "/v1/households/\(world.household)/notes"
            let written = try await client.execute(
                uri: uri, method: .post, headers: world.headers(.housingOfficer), body: json(["body": "impayé signalé"])
            )
            #expect(written.status == .created)
            #expect(written.object["level"] as? String == "secret")
            #expect(written.object["body"] as? String == "impayé signalé")
            // The lead's bound référente reads it; its unbound author does not.
            let lead = try await client.execute(uri: uri, method: .get, headers: world.headers(.leadBound))
            #expect(lead.items.contains { $0["body"] as? String == "impayé signalé" })
            let author = try await client.execute(uri: uri, method: .get, headers: world.headers(.housingOfficer))
            #expect(!author.items.contains { $0["body"] as? String == "impayé signalé" })
        }
    }

    @Test func breakGlassOpensTheSecretLevelForOneUserAndIsLogged() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let head = try await withOwner { owner in
                let user = try await Fixtures.user(
                    in: world.organisations["partP"]!, roles: [.serviceHead], bound: true, on: owner)
                return try await Fixtures.token(for: user, on: owner)
            }
            let uri = "/v1/households/\(world.household)"
            func notes() async throws -> Set<String> {
                Set(
                    try await client.execute(uri: "\(uri)/notes", method: .get, headers: bearer(head)).items
                        .compactMap { $0["body"] as? String }
                ).intersection(world.notes)
            }
            #expect(try await notes() == ["lead-partners"])
            try await client.execute(
                uri: "\(uri)/break-glass", method: .post, headers: bearer(head), body: json(["justification": "court"])
            ).expectProblem(.unprocessableContent, field: "justification")
            let opened = try await client.execute(
                uri: "\(uri)/break-glass", method: .post, headers: bearer(head),
                body: json(["justification": "Signalement de violences cette nuit, mise à l'abri à organiser."]))
            #expect(opened.status == .created)
            #expect(opened.object["expiresAt"] is String)
            // Secret, never private.
            #expect(try await notes() == ["lead-partners", "lead-secret"])
            let log = try await client.execute(
                uri: "\(uri)/access-log?limit=200", method: .get, headers: world.headers(.leadBound))
            #expect(log.items.contains { $0["action"] as? String == "breakGlass.open" })
            let topics = try await withOwner { owner in
                try await owner.query("SELECT topic FROM notify_events WHERE household_id = \(world.household)")
                    .decode(String.self).reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(topics.contains("breakGlassUsed"))
        }
    }

    @Test func theAccessLogShowsReadsAndDeniedAttempts() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let uri = "/v1/households/\(world.household)"
            _ = try await client.execute(uri: uri, method: .get, headers: world.headers(.housingOfficer))
            _ = try await client.execute(uri: uri, method: .get, headers: world.headers(.partnerWithdrawn))
            let log = try await client.execute(
                uri: "\(uri)/access-log?limit=200", method: .get, headers: world.headers(.leadBound))
            #expect(log.status == .ok)
            let housingName = world.people[.housingOfficer]!.user
            _ = housingName
            #expect(
                log.items.contains {
                    $0["action"] as? String == "household.read" && $0["outcome"] as? String == "disclosed"
                })
            #expect(
                log.items.contains {
                    $0["action"] as? String == "household.read" && $0["outcome"] as? String == "denied"
                })
            #expect(log.items.contains { $0["action"] as? String == "household.orient" })
            // Pages follow each other without overlap.
            let first = try await client.execute(
                uri: "\(uri)/access-log?limit=3", method: .get, headers: world.headers(.leadBound))
            let cursor = try #require(first.object["nextCursor"] as? String)
            let second = try await client.execute(
                uri: "\(uri)/access-log?limit=3&cursor=\(cursor)", method: .get, headers: world.headers(.leadBound))
            // Records are named by their hash (no global counter), newest first.
            let entries = first.items + second.items
            let ids = entries.compactMap { $0["id"] as? String }
            let times = entries.compactMap { $0["at"] as? String }
            #expect(Set(ids).count == 6 && times == times.sorted(by: >))
        }
    }

    /// If the audit record cannot be written, nothing is disclosed (R11).
    @Test func aFailingAuditWriteDisclosesNothing() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let suffix = UUID().uuidString.prefix(8).lowercased()
            try await withOwner { owner in
                try await owner.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE FUNCTION audit_fails_\(suffix)() RETURNS trigger LANGUAGE plpgsql AS
                            $$ BEGIN IF NEW.household_ids @> ARRAY['\(world.household)'::uuid] THEN
                               RAISE EXCEPTION 'panne simulée du journal'; END IF; RETURN NEW; END $$
                            """))
                try await owner.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE TRIGGER audit_fails_\(suffix) BEFORE INSERT ON audit_log
                            FOR EACH ROW EXECUTE FUNCTION audit_fails_\(suffix)()
                            """))
            }
            let answer = try await client.execute(
                uri: "/v1/households/\(world.household)", method: .get, headers: world.headers(.leadBound))
            let notes = try await client.execute(
                uri: "/v1/households/\(world.household)/notes", method: .get, headers: world.headers(.leadBound))
            try await withOwner { owner in
                try await owner.query(PostgresQuery(unsafeSQL: "DROP TRIGGER audit_fails_\(suffix) ON audit_log"))
                try await owner.query(PostgresQuery(unsafeSQL: "DROP FUNCTION audit_fails_\(suffix)()"))
            }
            for failed in [answer, notes] {
                failed.expectProblem(.internalServerError)
                let text = String(buffer: failed.body)
                #expect(!text.contains("Diallo") && !text.contains("lead-"))
            }
        }
    }

    @Test func badInputIsExplainedInFrench() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let lead = world.headers(.leadBound)
            let uri = "/v1/households/\(world.household)"

            // A new draft starts from the validated version.
            let draft = try await client.execute(uri: "\(uri)/diagnostics", method: .post, headers: lead)
            #expect(draft.status == .created)
            #expect(
                HouseholdAccessMatrixTests.values(in: draft.object)
                    == HouseholdAccessMatrixTests.diagnosticSeen[.leadBound])
            try await client.execute(uri: "\(uri)/diagnostics", method: .post, headers: lead).expectProblem(.conflict)
            let draftURI = "\(uri)/diagnostics/\(draft.object["id"] as! String)"
            let etag = try #require(draft.headers[.eTag])

            func put(_ content: [String: Any], etag: String? = etag) async throws -> TestResponse {
                try await client.execute(
                    uri: draftURI, method: .put, headers: lead + (etag.map { [.ifMatch: $0] } ?? [:]),
                    body: json(content))
            }
            let item = ["code": "PL-1", "assessment": "acquis"]
            try await put(["referentName": "R", "items": [["code": "XX-9", "assessment": "acquis"]]])
                .expectProblem(.unprocessableContent, field: "items[0].code")
            try await put(["referentName": "R", "items": [["code": "PL-1", "assessment": "excellent"]]])
                .expectProblem(.unprocessableContent, field: "items[0].assessment")
            try await put([
                "referentName": "R", "items": [["code": "PL-1", "assessment": "acquis", "commentLevel": "public"]],
            ])
            .expectProblem(.unprocessableContent, field: "items[0].commentLevel")
            try await put(["referentName": "R", "items": [item, item]]).expectProblem(
                .unprocessableContent, field: "items[1].code")
            try await put(["referentName": "R", "items": [item], "views": [["section": "ZZ", "text": "x"]]])
                .expectProblem(.unprocessableContent, field: "views[0].section")
            try await put(["referentName": "R", "items": [item]], etag: nil).expectProblem(.preconditionRequired)
            try await put(["referentName": "R", "items": [item]], etag: "\"périmé\"").expectProblem(.preconditionFailed)
            let saved = try await put(["referentName": "R", "items": [item]])
            #expect(saved.status == .ok)
            // The first ETag is stale now.
            try await put(["referentName": "R", "items": [item]]).expectProblem(.preconditionFailed)

            // Validated versions do not change.
            let history = try await client.execute(uri: "\(uri)/diagnostics", method: .get, headers: lead)
            let validated = try #require(
                history.items.first { $0["status"] as? String == "validated" }?["id"] as? String)
            try await client.execute(
                uri: "\(uri)/diagnostics/\(validated)", method: .put, headers: lead + [.ifMatch: "\"x\""],
                body: json(["referentName": "R", "items": [item]])
            ).expectProblem(.conflict)

            // Consent for an organisation outside the programme.
            let outsider = world.people[.otherProgramme]!.user.organisation.id
            try await client.execute(
                uri: "\(uri)/consents", method: .post, headers: lead,
                body: json(HouseholdWorld.consent(recipient: outsider, level: "partners"))
            ).expectProblem(.unprocessableContent, field: "recipientOrganisationId")
            var uninformed = HouseholdWorld.consent(recipient: world.organisations["land"]!.id, level: "secret")
            uninformed["informed"] = ["categories": true, "professionals": false, "medium": true, "protection": true]
            try await client.execute(uri: "\(uri)/consents", method: .post, headers: lead, body: json(uninformed))
                .expectProblem(.unprocessableContent, field: "informed.professionals")
            var wrongLevel = HouseholdWorld.consent(recipient: world.organisations["land"]!.id, level: "private")
            wrongLevel["purpose"] = "x"
            try await client.execute(uri: "\(uri)/consents", method: .post, headers: lead, body: json(wrongLevel))
                .expectProblem(.unprocessableContent, field: "level")

            // A référent from another organisation.
            let second = try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(HouseholdWorld.orientation(programme: world.programme)))
            let secondID = try #require(second.object["id"] as? String)
            try await client.execute(
                uri: "/v1/households/\(secondID)/accept", method: .post, headers: lead,
                body: json(["referentUserId": world.people[.partnerSecret]!.user.id.uuidString])
            ).expectProblem(.unprocessableContent, field: "referentUserId")

            // Orientation: unknown programme, wrong vocabulary, no applicant.
            var orientation = HouseholdWorld.orientation(programme: UUID())
            try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(orientation)
            ).expectProblem(.unprocessableContent, field: "programmeId")
            orientation = HouseholdWorld.orientation(programme: world.programme)
            orientation["currentSituation"] = "château"
            try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(orientation)
            ).expectProblem(.unprocessableContent, field: "currentSituation")
            orientation = HouseholdWorld.orientation(programme: world.programme)
            orientation["persons"] = [
                ["firstName": "A", "lastName": "B", "birthDate": "2031-02-30", "relation": "applicant"]
            ]
            try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(orientation)
            ).expectProblem(.unprocessableContent, field: "persons[0].birthDate")
            orientation = HouseholdWorld.orientation(programme: world.programme)
            orientation["singleParent"] = "oui"
            try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(orientation)
            ).expectProblem(.badRequest, field: "singleParent")
            // Not a bound professional: the housing officer cannot orient.
            try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.housingOfficer),
                body: json(HouseholdWorld.orientation(programme: world.programme))
            ).expectProblem(.forbidden)
        }
    }

    @Test func theExportHoldsEverythingTheLeadMayReadInJSONAndInFrench() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let uri = "/v1/households/\(world.household)/export"
            let exported = try await client.execute(uri: uri, method: .get, headers: world.headers(.leadBound))
            #expect(exported.status == .ok)
            let text = String(buffer: exported.body)
            for expected in ["Diallo", "lead-private", "diag-comment-private", "accessLog", "household.orient"] {
                #expect(text.contains(expected), "\(expected) absent de l'export")
            }
            #expect(!text.contains("ref-private"))
            let markdown = try await client.execute(
                uri: "\(uri)?format=markdown", method: .get, headers: world.headers(.leadBound))
            #expect(markdown.headers[.contentType]?.hasPrefix("text/markdown") == true)
            let document = String(buffer: markdown.body)
            #expect(document.contains("# Dossier du ménage M-"))
            #expect(document.contains("## Qui a consulté ce dossier"))
            #expect(document.contains("Awa Diallo"))
            try await client.execute(uri: "\(uri)?format=pdf", method: .get, headers: world.headers(.leadBound))
                .expectProblem(.badRequest, field: "format")
        }
    }

    @Test func acceptanceAndDeclineFollowThePath() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let oriented = try await client.execute(
                uri: "/v1/households", method: .post, headers: world.headers(.partnerSecret),
                body: json(HouseholdWorld.orientation(programme: world.programme)))
            let id = try #require(oriented.object["id"] as? String)
            #expect(oriented.object["status"] as? String == "oriented")
            // Absent values are written as null, not left out.
            #expect(oriented.object["referentName"] is NSNull && oriented.object["currentDiagnostic"] is NSNull)
            // Only the opérateur decides; the orienting partner cannot accept its own orientation.
            try await client.execute(
                uri: "/v1/households/\(id)/decline", method: .post, headers: world.headers(.partnerSecret),
                body: json(["reason": "Hors critères"])
            ).expectProblem(.forbidden)
            let declined = try await client.execute(
                uri: "/v1/households/\(id)/decline", method: .post, headers: world.headers(.leadBound),
                body: json(["reason": "Le ménage relève d'un autre dispositif."]))
            #expect(declined.object["status"] as? String == "declined")
            try await client.execute(
                uri: "/v1/households/\(id)/accept", method: .post, headers: world.headers(.leadBound),
                body: json(["referentUserId": world.people[.leadBound]!.user.id.uuidString])
            ).expectProblem(.conflict)
            let filtered = try await client.execute(
                uri: "/v1/households?status=declined&programmeId=\(world.programme)", method: .get,
                headers: world.headers(.leadBound))
            #expect(filtered.items.map { $0["id"] as? String } == [id])
            try await client.execute(
                uri: "/v1/households?status=perdu", method: .get, headers: world.headers(.leadBound)
            )
            .expectProblem(.badRequest, field: "status")
        }
    }
}
