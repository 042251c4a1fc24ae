import Foundation
import HummingbirdTesting
import Notify
import Testing

@testable import Hub
@testable import Tenancy

/// French documents say French words (issue 16): no code of the household's vocabulary reaches
/// the right-of-access document a household reads.
@Suite struct FrenchDocumentTests {
    @Test func theRightOfAccessDocumentSaysTheHouseholdInFrench() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let export = try await client.execute(
                uri: "/v1/households/\(world.household)/export?format=markdown", method: .get,
                headers: world.headers(.leadBound))
            #expect(export.status == .ok)
            let text = String(buffer: export.body)
            let household = try #require(
                text.components(separatedBy: "## Le ménage").last?
                    .components(separatedBy: "\n## ").first)
            // HouseholdWorld's household: a hotel family, diagnosed, DALO, an applicant and a child.
            for words in [
                "Public : famille hébergée à l'hôtel", "Situation actuelle : hôtel depuis le 15/01/2020",
                "Statut de l'accompagnement : diagnostic partagé validé", "Reconnaissance DALO : le 01/03/2022",
                "(demandeur·se)", "(enfant)",
            ] {
                #expect(household.contains(words), "« \(words) » absent")
            }
            let codes = Set(
                HouseholdVocabulary.publics.codes + HouseholdVocabulary.situations.codes
                    + HouseholdVocabulary.relations.codes + PathState.allCases.map(\.rawValue))
            for code in codes { #expect(!household.contains(code), "code « \(code) » dans le document") }
            // Consents and the access log: levels and outcomes in words.
            #expect(text.contains("niveau secret partagé") && !text.contains("niveau secret,"))
            #expect(text.contains("consulté") && !text.contains(", disclosed"))
        }
    }
}

/// Every French document of a programme replayed by the synthetic generator (issue 16): the
/// right-of-access exports, the comités' minutes and summary sheets, the indicators' CSV and
/// the notifications' e-mails. None prints a code of a vocabulary the OpenAPI document lists,
/// and amounts read in euros.
@Suite(.serialized) struct FrenchDocumentWalkTests {
    /// The documented codes a French document must not print: every string enum of the OpenAPI
    /// document but the formats (`json`, `csv`…) and the grid's codes (`PL-1` prints beside its
    /// words), less the codes that are French words too (`direct`, `secret`, `T3`…).
    static func forbiddenCodes() throws -> Set<String> {
        let document = try #require(
            OpenAPIController.document.flatMap {
                try? JSONSerialization.jsonObject(with: Data(buffer: $0)) as? [String: Any]
            })
        var codes: Set<String> = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let values = object["enum"] as? [String] { codes.formUnion(values) }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(document)
        let formats: Set<String> = ["json", "csv", "markdown", "html", "true", "false"]
        let grid = Set(FrenchLabels.vocabularies["gridSection"]!.keys).union(
            FrenchLabels.vocabularies["gridItem"]!.keys)
        let frenchWords = Set(
            FrenchLabels.vocabularies.values.flatMap(\.values).flatMap {
                $0.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            }
        )
        // French words that are codes too, and that no label happens to use.
        .union(["location", "condition", "continue", "violence", "public", "euros", "invitation"])
        return codes.subtracting(formats).subtracting(grid).subtracting(frenchWords)
    }

    static func codesPrinted(in text: String, _ codes: Set<String>) -> [String] {
        // Links are addresses, not words.
        let text = text.replacingOccurrences(of: #"https?://\S+"#, with: " ", options: .regularExpression)
        let words = Set(text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" }).map(String.init))
        return codes.intersection(words).sorted()
    }

    @Test func noFrenchDocumentPrintsACode() async throws {
        let codes = try Self.forbiddenCodes()
        #expect(codes.contains("hotelFamily") && codes.contains("rentArrears") && codes.contains("endAccompaniment"))
        // Notifications: every topic's e-mail.
        for topic in Topic.allCases {
            let email = Notice(
                eventID: UUID(), topic: topic, reference: "M-2025-0001", occurredAt: Date(),
                link: "https://hub.example/v1/households/x"
            ).email
            #expect(Self.codesPrinted(in: email.subject + "\n" + email.body, codes) == [], "\(topic)")
        }

        let report = try await withOwner { owner in
            try await SyntheticPopulation.run(
                .init(households: 40, seed: 16, programme: Fixtures.unique("Programme relu"), batch: 40),
                client: owner, logger: TestDatabase.logger)
        }
        let seats = try await withOwner { owner in
            let rows = try await owner.query(
                """
                SELECT o.id, o.name, c.facilitator_user_id
                FROM coordination_cells c JOIN organisations o ON o.id = c.organisation_id
                WHERE c.programme_id = \(report.programmeID) ORDER BY c.created_at LIMIT 1
                """, logger: TestDatabase.logger)
            var found: (Fixtures.Org, UUID)?
            for try await (id, name, facilitator) in rows.decode((UUID, String, UUID).self) {
                found = (Fixtures.Org(id: id, name: name), facilitator)
            }
            let (operatorOrg, facilitatorID) = try #require(found)
            let worker = try await Fixtures.user(in: operatorOrg, roles: [.socialWorker], bound: true, on: owner)
            let facilitator = Fixtures.User(id: facilitatorID, email: "", organisation: operatorOrg)
            let state = Fixtures.Org(id: report.evaluatorOrganisationID, name: report.evaluatorOrganisation)
            let evaluator = try await Fixtures.user(in: state, roles: [.evaluator], on: owner)
            return (
                operatorID: operatorOrg.id, worker: try await Fixtures.token(for: worker, on: owner),
                facilitator: try await Fixtures.token(for: facilitator, on: owner),
                evaluator: try await Fixtures.token(for: evaluator, on: owner)
            )
        }
        try await withApp { client in
            var documents: [(name: String, text: String)] = []
            func text(_ uri: String, _ token: String) async throws -> String {
                let answer = try await client.execute(uri: uri, method: .get, headers: bearer(token))
                #expect(answer.status == .ok, "\(uri)")
                return String(buffer: answer.body)
            }
            // The right-of-access documents of the operator's households.
            let households = try await client.execute(
                uri: "/v1/households?limit=200", method: .get, headers: bearer(seats.worker))
            let ours = households.items.filter {
                ($0["leadOrganisation"] as? [String: Any])?["id"] as? String == seats.operatorID.uuidString
            }
            for household in ours.prefix(12) {
                let id = household["id"] as! String
                documents.append(
                    ("export \(id)", try await text("/v1/households/\(id)/export?format=markdown", seats.worker)))
            }
            // Every held comité's minutes and every item's sheet, as the facilitator reads them.
            let cells = try await client.execute(
                uri: "/v1/cells?limit=200", method: .get, headers: bearer(seats.facilitator))
            for cell in cells.items {
                let comites = try await client.execute(
                    uri: "/v1/cells/\(cell["id"] as! String)/comites?limit=200", method: .get,
                    headers: bearer(seats.facilitator))
                for comite in comites.items.filter({ $0["status"] as? String != "planned" }).prefix(5) {
                    let id = comite["id"] as! String
                    if comite["status"] as? String != "agendaPublished" {
                        for format in ["markdown", "html"] {
                            documents.append(
                                (
                                    "minutes \(id) \(format)",
                                    try await text("/v1/comites/\(id)/minutes?format=\(format)", seats.facilitator)
                                ))
                        }
                    }
                    let agenda = try await client.execute(
                        uri: "/v1/comites/\(id)", method: .get, headers: bearer(seats.facilitator))
                    for item in (agenda.object["agenda"] as? [[String: Any]] ?? []).prefix(4) {
                        let sheet = try await client.execute(
                            uri: "/v1/comites/\(id)/items/\(item["id"] as! String)/sheet", method: .get,
                            headers: bearer(seats.facilitator))
                        let entries = sheet.object["entries"] as? [[String: Any]] ?? []
                        documents.append(
                            (
                                "sheet \(id)",
                                entries.map {
                                    "\($0["sectionLabel"] ?? "?") \($0["label"] ?? "?") \($0["text"] ?? "?")"
                                }.joined(separator: "\n")
                            ))
                    }
                }
            }
            // The indicators as a spreadsheet, but for its first column: the indicators' codes.
            for year in ["2024", "2025"] {
                let csv = try await text(
                    "/v1/programmes/\(report.programmeID)/indicators?period=\(year)&format=csv", seats.evaluator)
                documents.append(
                    (
                        "indicateurs \(year)",
                        csv.split(separator: "\r\n").map {
                            $0.split(separator: ";", maxSplits: 1).last.map(String.init) ?? ""
                        }.joined(separator: "\n")
                    ))
            }
            // The generator writes comités without freezing their sheets: the sheets' words are
            // walked by everySheetEntryIsSaidInFrench below.
            #expect(documents.count > 30, "\(documents.count) documents")
            for document in documents {
                #expect(Self.codesPrinted(in: document.text, codes) == [], "\(document.name)")
                #expect(!document.text.contains("Cents") && !document.text.contains("cents"), "\(document.name)")
            }
            let all = documents.map(\.text).joined(separator: "\n")
            #expect(all.contains("\u{202F}€"), "aucun montant en euros")
        }
    }

    /// Every shape of entry sql/0008 freezes into a sheet, with every code of its vocabulary.
    @Test func everySheetEntryIsSaidInFrench() throws {
        let codes = try Self.forbiddenCodes()
        var entries: [(String, String, [String: JSONFragment])] = [
            ("followUps", "meetings", ["since": .text("2025-01-01"), "held": .integer(3), "missed": .integer(1)]),
            ("needs", "", ["preconisations": .text("Ouvrir les droits FSL.")]),
            ("needs", "BA-1", ["comment": .text("Suivi budgétaire en place.")]),
        ]
        for state in PathState.allCases { entries.append(("rehousing", "status", ["status": .text(state.rawValue)])) }
        for answer in HouseholdVocabulary.proposalAnswers.codes {
            entries.append(
                (
                    "rehousing", "proposal",
                    [
                        "proposedOn": .text("2025-02-03"), "flatType": .text("T3"), "commune": .text("Montreuil"),
                        "answer": .text(answer),
                    ]
                ))
        }
        for decision in CALDecisionKind.allCases {
            for reason in HouseholdVocabulary.calRefusalReasons.codes {
                entries.append(
                    (
                        "rehousing", "calDecision",
                        [
                            "decidedOn": .text("2025-03-04"), "decision": .text(decision.rawValue),
                            "refusalReason": decision == .refusal ? .text(reason) : .null,
                        ]
                    ))
            }
        }
        for kind in HouseholdVocabulary.leaseKinds.codes {
            entries.append(
                (
                    "rehousing", "lease",
                    [
                        "kind": .text(kind), "signedOn": .text("2025-04-01"), "enteredOn": .text("2025-04-02"),
                        "slidOn": .null,
                    ]
                ))
        }
        for kind in ContractKind.allCases {
            entries.append(
                (
                    "followUps", "contract",
                    [
                        "kind": .text(kind.rawValue), "startsOn": .text("2025-01-01"),
                        "plannedEndOn": .text("2025-12-31"),
                        "objectives": .array([.text("PL"), .text("SE")]),
                    ]
                ))
        }
        for kind in HouseholdVocabulary.aidKinds.codes {
            for status in HouseholdVocabulary.aidStatuses.codes {
                entries.append(
                    (
                        "followUps", "aid",
                        [
                            "kind": .text(kind), "status": .text(status), "amountCents": .integer(125_050),
                            "requestedOn": .text("2025-02-01"),
                        ]
                    ))
            }
        }
        for kind in HouseholdVocabulary.alertKinds.codes {
            entries.append(
                (
                    "alerts", kind,
                    [
                        "reportedOn": .text("2025-05-01"),
                        "arrearsCents": kind == "rentArrears" ? .integer(98_000) : .null,
                        "arrearsMonths": kind == "rentArrears" ? .integer(2) : .null, "resolvedOn": .null,
                    ]
                ))
        }
        for item in FrenchLabels.vocabularies["gridItem"]!.keys {
            for assessment in Assessment.allCases {
                entries.append(("assessments", item, ["assessment": .text(assessment.rawValue)]))
            }
        }
        for (section, code, value) in entries {
            let entry = SheetEntry(
                section: section, code: code, value: .object(value), level: .partners, authorOrganisationId: UUID())
            let words = "\(entry.sectionLabel) \(entry.label) \(entry.text)"
            #expect(Self.codesPrinted(in: words, codes) == [], "\(section) \(code): \(words)")
            #expect(!entry.text.isEmpty && entry.text != "—", "\(section) \(code): \(words)")
            if case .object(let fields) = entry.value {
                #expect(fields["amountCents"] == nil && fields["arrearsCents"] == nil)
            }
        }
        let aid = SheetEntry(
            section: "followUps", code: "aid",
            value: .object(["kind": .text("fslAccess"), "status": .text("granted"), "amountCents": .integer(125_050)]),
            level: .partners, authorOrganisationId: UUID())
        #expect(aid.text == "FSL accès, 1\u{202F}250,50\u{202F}€, accordée")
        if case .object(let fields) = aid.value { #expect(fields["amount"] == .text("1250.50")) }
    }

    /// Every vocabulary the OpenAPI document lists has its French words in Tenancy (or, for the
    /// notifications' topics, in Notify), so that a document built from the JSON can say it.
    @Test func everyDocumentedCodeHasItsFrenchWords() throws {
        let document = try #require(
            OpenAPIController.document.flatMap {
                try? JSONSerialization.jsonObject(with: Data(buffer: $0)) as? [String: Any]
            })
        var vocabularies: Set<[String]> = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let values = object["enum"] as? [String] { vocabularies.insert(values) }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(document)
        // Technical vocabularies no French document prints: formats, booleans in a query, the
        // timeline's entry kinds and the webhooks' delivery log.
        let technical: Set<[String]> = [
            ["json", "csv"], ["json", "markdown"], ["json", "markdown", "html"], ["true", "false"],
            ["webhook", "email"], ["pending", "sending", "delivered", "dead", "cancelled"],
        ]
        let labelled = FrenchLabels.vocabularies.values.map { Set($0.keys) }
        var checked = 0
        for codes in vocabularies where !technical.contains(codes) {
            if Set(codes) == Set(Topic.allCases.map(\.rawValue)) {
                #expect(Topic.allCases.allSatisfy { !$0.title.isEmpty })
            } else if codes.first == "pathTransition" {
                continue  // TimelineKind: each entry's own fields are what a document prints.
            } else {
                #expect(labelled.contains { Set(codes).isSubset(of: $0) }, "\(codes) sans libellés français")
            }
            checked += 1
        }
        #expect(checked > 40, "\(checked)")
    }
}
