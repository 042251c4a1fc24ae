import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// Orientation, acceptance, the care team, consents, notes and break-glass (ACCESS.md R1–R8).
/// Every route on one household goes through `HouseholdGate`: one transaction, the door,
/// the audit record.
struct HouseholdsController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.post("households", use: orient)
        group.get("households", use: list)
        group.get("households/:householdId", use: show)
        group.post("households/:householdId/accept", use: accept)
        group.post("households/:householdId/decline", use: decline)
        group.get("households/:householdId/care-team", use: careTeam)
        group.post("households/:householdId/care-team", use: addToCareTeam)
        group.delete("households/:householdId/care-team/:organisationId", use: removeFromCareTeam)
        group.get("households/:householdId/consents", use: consents)
        group.post("households/:householdId/consents", use: giveConsent)
        group.post("households/:householdId/consents/:consentId/withdraw", use: withdrawConsent)
        group.get("households/:householdId/notes", use: notes)
        group.post("households/:householdId/notes", use: addNote)
        group.post("households/:householdId/break-glass", use: breakGlass)
    }

    // MARK: Orientation and the path

    @Sendable func orient(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        guard AccessRules.worksOnHouseholds(actor), actor.boundBySecret else {
            throw Problem.forbidden(
                "L'orientation d'un ménage est faite par un professionnel tenu au secret d'une organisation partenaire."
            )
        }
        let body = try await request.decodeJSON(as: OrientationRequest.self, context: context)
        try body.validate()
        let household = try await client.withActor(actor, logger: context.logger) { connection in
            guard
                let parts = try await HouseholdStore.programmeParts(
                    body.programmeId, for: actor.organisationID, on: connection, logger: context.logger)
            else { throw Problem.unprocessable("Programme inconnu.", field: "programmeId") }
            guard !parts.mine.isDisjoint(with: [.referrer, .operator, .holder]) else {
                throw Problem.forbidden("Seuls les orienteurs et l'opérateur du programme orientent des ménages.")
            }
            let operators = parts.partners.filter { $0.value.contains(.operator) }.map(\.key)
            guard !operators.isEmpty else {
                throw Problem.unprocessable(
                    "Ce programme n'a pas d'opérateur pour accueillir le ménage.", field: "programmeId")
            }
            guard
                let period = try await HouseholdStore.period(
                    ofProgramme: body.programmeId, on: connection, logger: context.logger)
            else { throw Problem.unprocessable("Programme inconnu.", field: "programmeId") }
            guard !period.hasEnded(today: .today()) else { throw Problem.conflict(period.endedRefusal) }
            let orientedOn = try Day.effective(body.orientedOn, field: "orientedOn", programme: period)
            // The consent collected at the orientation is given that day unless it says otherwise.
            let givenOn = try Day.effective(
                body.consent.givenOn ?? orientedOn.iso, field: "consent.givenOn", programme: period)
            let orientation = HouseholdStore.Orientation(
                request: body, orientedOn: orientedOn, consentGivenOn: givenOn,
                consentExpiresAt: try body.consent.expiry(givenOn: givenOn, field: "consent."))
            let (id, reference) = try await HouseholdStore.orient(
                orientation, by: actor, operators: operators, on: connection, logger: context.logger)
            try await connection.append(
                "household.orient", .changed([id]), actor: actor, requestID: context.id, logger: context.logger)
            try await Outbox.record(
                .household(.householdOriented, id, reference: reference, by: actor, to: operators),
                on: connection, logger: context.logger)
            guard let household = try await HouseholdStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return household
        }
        var response = try EditedResponse(status: .created, response: household).response(
            from: request, context: context)
        response.headers[.location] = "/v1/households/\(household.id)"
        return response
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<HouseholdSummary> {
        let page = try PageRequest(request)
        let query = request.uri.queryParameters
        var filter = HouseholdStore.ListFilter()
        if let raw = query["programmeId"] {
            guard let id = UUID(uuidString: String(raw)) else {
                throw Problem.badRequest("Le paramètre « programmeId » n'est pas un UUID valide.", field: "programmeId")
            }
            filter.programmeID = id
        }
        if let raw = query["referentId"] {
            guard let id = UUID(uuidString: String(raw)) else {
                throw Problem.badRequest("Le paramètre « referentId » n'est pas un UUID valide.", field: "referentId")
            }
            filter.referentID = id
        }
        if let raw = query["status"] {
            guard PathState(rawValue: String(raw)) != nil else {
                throw Problem.badRequest(
                    "Le paramètre « status » est une étape du parcours : "
                        + PathState.allCases.map(\.rawValue).joined(separator: ", ") + ".", field: "status")
            }
            filter.status = String(raw)
        }
        if let raw = query["q"] {
            guard let term = HouseholdStore.ListFilter.searchTerm(String(raw)) else {
                throw Problem.badRequest(
                    "Le paramètre « q » cherche une référence ou un nom : de 1 à 100 caractères.", field: "q")
            }
            filter.search = term
        }
        return try await households(filter, page: page, context: context)
    }

    /// The households the actor may see, newest first, and the list's audit record: the API's
    /// list and the console's « Mes ménages » both read through here.
    func households(_ filter: HouseholdStore.ListFilter, page: PageRequest, context: AuthenticatedContext)
        async throws -> Page<HouseholdSummary>
    {
        let actor = context.actor
        let after = try page.after.map(TimeCursor.decode)
        // Evaluators and administrators never pass the door (R1, R9): the policies would
        // return nothing; the answer says why.
        guard AccessRules.worksOnHouseholds(actor) else {
            throw Problem.forbidden("Votre rôle ne donne accès à aucun ménage.")
        }
        let households = try await client.withActor(actor, logger: context.logger) { connection in
            let rows = try await HouseholdStore.list(
                filter, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
            let shown = Array(rows.prefix(page.limit))
            if !shown.isEmpty {
                try await connection.append(
                    "household.list", .disclosed(shown.map(\.id)),
                    actor: actor, requestID: context.id, logger: context.logger)
            }
            return rows
        }
        return page.page(households) { TimeCursor.encode($0.createdAt, $0.id) }
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Household {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "household.read", context: context) { connection, actor, facts in
            let (household, levels) = try await Self.read(
                id, reader: actor, facts: facts, on: connection, context: context)
            return (household, .disclosed(levels))
        }
    }

    /// The household with its current diagnostic filtered for the reader, and the levels that
    /// shows: the route's answer, and the console's household page.
    static func read(
        _ id: UUID, reader: Actor, facts: HouseholdFacts, on connection: PostgresConnection,
        context: AuthenticatedContext
    ) async throws -> (Household, Set<Level>) {
        guard var household = try await HouseholdStore.find(id, on: connection, logger: context.logger) else {
            throw Problem.notFound
        }
        var levels: Set<Level> = [.partners]
        if let diagnostic = try await DiagnosticStore.current(
            of: id, reader: reader, facts: facts, on: connection, logger: context.logger)
        {
            household.currentDiagnostic = diagnostic
            levels.formUnion(diagnostic.levels)
        }
        return (household, levels)
    }

    @Sendable func accept(_ request: Request, context: AuthenticatedContext) async throws -> Household {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: AcceptRequest.self, context: context)
        return try await gate.run(id, action: "household.accept", context: context) { connection, actor, _ in
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            try await requireOperator(actor, programme: path.programme, on: connection, context: context)
            _ = try PathStore.take(.accept, from: path.facts)
            let acceptedOn = try path.day(
                body.occurredOn, field: "occurredOn", follows: FactDay.Step(path.orientedOn, "l'orientation"))
            guard
                let referentName = try await HouseholdStore.referentName(
                    body.referentUserId, of: actor.organisationID, on: connection, logger: context.logger)
            else {
                throw Problem.unprocessable(
                    "Le référent doit être un travailleur social actif de votre organisation.", field: "referentUserId")
            }
            try await HouseholdStore.accept(
                id, on: acceptedOn, by: actor, referent: body.referentUserId, referentName: referentName,
                on: connection,
                logger: context.logger)
            try await Outbox.record(
                .household(.householdAccepted, id, reference: path.reference, by: actor), on: connection,
                logger: context.logger)
            let household = try await HouseholdStore.find(id, on: connection, logger: context.logger)!
            return (household, .changed())
        }
    }

    @Sendable func decline(_ request: Request, context: AuthenticatedContext) async throws -> Household {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: DeclineRequest.self, context: context)
        try check(
            (1...2000).contains(body.reason.trimmed.length), field: "reason",
            "Le motif du refus doit être précisé (2000 caractères au plus).")
        return try await gate.run(id, action: "household.decline", context: context) { connection, actor, _ in
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            try await requireOperator(actor, programme: path.programme, on: connection, context: context)
            _ = try PathStore.take(.decline, from: path.facts)
            let declinedOn = try path.day(
                body.occurredOn, field: "occurredOn", follows: FactDay.Step(path.orientedOn, "l'orientation"))
            try await HouseholdStore.decline(
                id, on: declinedOn, reason: body.reason.trimmed, on: connection, logger: context.logger)
            try await Outbox.record(
                .household(.householdDeclined, id, reference: path.reference, by: actor), on: connection,
                logger: context.logger)
            let household = try await HouseholdStore.find(id, on: connection, logger: context.logger)!
            return (household, .changed())
        }
    }

    /// Acceptance and decline belong to the programme's opérateur.
    func requireOperator(
        _ actor: Actor, programme: UUID, on connection: PostgresConnection, context: AuthenticatedContext
    )
        async throws
    {
        let parts = try await HouseholdStore.programmeParts(
            programme, for: actor.organisationID, on: connection, logger: context.logger)
        guard parts?.mine.contains(.operator) == true, actor.has(.socialWorker) || actor.has(.serviceHead) else {
            throw Problem.forbidden("Seul l'opérateur du programme accepte ou refuse un ménage orienté.")
        }
    }

    // MARK: Notes and break-glass

    @Sendable func notes(_ request: Request, context: AuthenticatedContext) async throws -> Page<NoteRecord> {
        let id = try context.parameters.uuid("householdId")
        let page = try PageRequest(request)
        let after = try page.after.map(TimeCursor.decode)
        let notes = try await gate.run(id, action: "note.read", context: context) { connection, actor, facts in
            let rows = try await HouseholdStore.notes(
                of: id, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
            let readable = rows.filter { $0.isReadable(by: actor, facts) }
            let levels = Set(readable.prefix(page.limit).compactMap { Level(rawValue: $0.level) })
            return (readable, .disclosed(levels))
        }
        return page.page(notes) { TimeCursor.encode($0.writtenAt, $0.id) }
    }

    @Sendable func addNote(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<NoteRecord>
    {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewNoteRequest.self, context: context)
        let note = try await writeNote(body.body, level: body.level, household: id, context: context)
        return EditedResponse(status: .created, response: note)
    }

    /// A note written through the door (R6: it belongs to the writer's organisation), from
    /// the API or the console's form.
    func writeNote(_ text: String, level raw: String?, household id: UUID, context: AuthenticatedContext)
        async throws -> NoteRecord
    {
        try check(
            (1...20000).contains(text.trimmed.length), field: "body",
            "La note doit compter de 1 à 20 000 caractères.")
        let noteLevel = try level(raw, default: .secret, field: "level")
        return try await gate.run(id, action: "note.add", context: context) { connection, actor, _ in
            let note = try await HouseholdStore.addNote(
                text.trimmed, level: noteLevel, household: id, by: actor, on: connection, logger: context.logger)
            return (note, .changed([noteLevel]))
        }
    }

    struct BreakGlassResponse: ResponseEncodable {
        let id: UUID
        let expiresAt: Date
    }

    @Sendable func breakGlass(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<
        BreakGlassResponse
    > {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: BreakGlassRequest.self, context: context)
        try check(
            (20...4000).contains(body.justification.trimmed.length), field: "justification",
            "La justification de l'urgence doit compter de 20 à 4000 caractères.")
        let opened = try await gate.run(id, action: "breakGlass.open", context: context) { connection, actor, facts in
            guard AccessRules.mayBreakGlass(actor, facts) else {
                throw Problem.forbidden(
                    "Seul un chef de service tenu au secret, membre de l'équipe qui suit le ménage, peut ouvrir l'accès d'urgence."
                )
            }
            let breakID = UUID()
            let rows = try await connection.query(
                """
                INSERT INTO break_glass (id, household_id, user_id, organisation_id, justification, expires_at)
                VALUES (\(breakID), \(id), \(actor.userID), \(actor.organisationID), \(body.justification.trimmed),
                        now() + interval '24 hours')
                RETURNING expires_at
                """, logger: context.logger)
            var expiresAt = Date()
            for try await at in rows.decode(Date.self) { expiresAt = at }
            let reference = try await HouseholdStore.reference(of: id, on: connection, logger: context.logger)
            try await Outbox.record(
                .household(.breakGlassUsed, id, reference: reference, by: actor), on: connection, logger: context.logger
            )
            return (
                BreakGlassResponse(id: breakID, expiresAt: expiresAt),
                .changed([.secret])
            )
        }
        return EditedResponse(status: .created, response: opened)
    }
}

extension HouseholdSummary: ResponseEncodable {}
extension CareTeamMember: ResponseEncodable {}
