import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// The référent's record of the path (issue 5): the lease and the move into the flat, the
/// end of the accompaniment with its outcome, the household's withdrawal, a reopening; and
/// the timeline of everything that happened, filtered per reader.
struct PathController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("households/:householdId/leases", use: leases)
        group.post("households/:householdId/leases", use: signLease)
        group.post("households/:householdId/leases/:leaseId/entry", use: recordEntry)
        group.post("households/:householdId/leases/:leaseId/slide", use: recordSlide)
        group.post("households/:householdId/end", use: end)
        group.post("households/:householdId/withdraw", use: withdraw)
        group.post("households/:householdId/reopen", use: reopen)
        group.get("households/:householdId/outcomes", use: outcomes)
        group.post("households/:householdId/outcomes/:outcomeId/stay", use: recordStay)
        group.get("households/:householdId/timeline", use: timeline)
    }

    func requirePathKeeper(_ actor: Actor, _ facts: HouseholdFacts) throws {
        guard AccessRules.mayRecordPath(actor, facts) else {
            throw Problem.forbidden(
                "Le bail, la fin de l'accompagnement et sa sortie sont enregistrés par les travailleurs sociaux de l'organisation référente."
            )
        }
    }

    // MARK: Lease

    @Sendable func leases(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Lease> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "lease.read", context: context) { connection, _, _ in
            let leases = try await LeaseStore.list(of: id, on: connection, logger: context.logger)
            return (ItemList(items: leases), .disclosed([.partners]))
        }
    }

    @Sendable func signLease(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Lease> {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewLeaseRequest.self, context: context)
        try body.validate()
        let lease = try await gate.run(id, action: "lease.sign", context: context) { connection, actor, facts in
            try requirePathKeeper(actor, facts)
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let signedOn = try path.day(
                body.signedOn, field: "signedOn",
                follows: path.lastDecidedOn.map { FactDay.Step($0, "l'attribution du logement par la CAL") })
            if let contract = path.contractSignedOn {
                try signedOn.check(
                    within: path.period, field: "signedOn",
                    follows: FactDay.Step(contract, "la signature du contrat d'accompagnement"))
            }
            let next = try PathStore.take(.signLease(on: signedOn.date), from: path.facts)
            guard let proposal = path.lastDecidedProposal else { throw Problem.internal }
            let lease = try await LeaseStore.sign(
                body, on: signedOn, proposal: proposal, household: id, by: actor, on: connection,
                logger: context.logger)
            try await PathStore.move(id, to: next, on: signedOn, connection: connection, logger: context.logger)
            guard
                let shown = try await LeaseStore.list(of: id, only: lease, on: connection, logger: context.logger).first
            else { throw Problem.internal }
            return (shown, .changed())
        }
        return EditedResponse(status: .created, response: lease)
    }

    /// The lease of this household the acting organisation recorded, or the reason why not.
    func ownLease(
        _ leaseID: UUID, of household: UUID, _ actor: Actor, on connection: PostgresConnection,
        context: AuthenticatedContext
    ) async throws -> Lease {
        guard
            let lease = try await LeaseStore.list(
                of: household, only: leaseID, on: connection, logger: context.logger
            ).first
        else { throw Problem.notFound }
        guard lease.authorOrganisationId == actor.organisationID else {
            throw Problem.forbidden("Seule l'organisation qui a enregistré le bail le complète.")
        }
        return lease
    }

    @Sendable func recordEntry(_ request: Request, context: AuthenticatedContext) async throws -> Lease {
        let id = try context.parameters.uuid("householdId")
        let leaseID = try context.parameters.uuid("leaseId")
        let body = try await request.decodeJSON(as: LeaseEntryRequest.self, context: context)
        return try await gate.run(id, action: "lease.entry", context: context) { connection, actor, facts in
            try requirePathKeeper(actor, facts)
            var path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let enteredOn = try path.day(body.entryInspectionOn, field: "entryInspectionOn")
            let lease = try await ownLease(leaseID, of: id, actor, on: connection, context: context)
            guard lease.entryInspectionOn == nil else {
                throw Problem.conflict("L'état des lieux d'entrée de ce bail est déjà enregistré.")
            }
            // The entry follows the signature of this lease, not of whichever came last.
            path.facts.leaseSignedOn = lease.signedOn.date
            let next = try PathStore.take(.moveIn(on: enteredOn.date), from: path.facts)
            try await LeaseStore.recordEntry(
                leaseID, on: enteredOn, connection: connection, logger: context.logger)
            try await PathStore.move(id, to: next, on: enteredOn, connection: connection, logger: context.logger)
            guard
                let shown = try await LeaseStore.list(of: id, only: leaseID, on: connection, logger: context.logger)
                    .first
            else { throw Problem.internal }
            return (shown, .changed())
        }
    }

    @Sendable func recordSlide(_ request: Request, context: AuthenticatedContext) async throws -> Lease {
        let id = try context.parameters.uuid("householdId")
        let leaseID = try context.parameters.uuid("leaseId")
        let body = try await request.decodeJSON(as: LeaseSlideRequest.self, context: context)
        return try await gate.run(id, action: "lease.slide", context: context) { connection, actor, facts in
            try requirePathKeeper(actor, facts)
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let slidOn = try path.day(body.slidOn, field: "slidOn")
            let lease = try await ownLease(leaseID, of: id, actor, on: connection, context: context)
            guard lease.kind == "sliding" else {
                throw Problem.conflict("Seul un bail glissant passe au nom du ménage.")
            }
            guard let entered = lease.entryInspectionOn else {
                throw Problem.conflict(
                    "Le bail glisse une fois le ménage entré dans le logement (état des lieux d'entrée).")
            }
            guard lease.slidOn == nil else { throw Problem.conflict("Ce bail a déjà glissé au nom du ménage.") }
            try check(
                slidOn >= entered, field: "slidOn", "Le glissement ne peut pas précéder l'entrée dans le logement.")
            try await LeaseStore.recordSlide(leaseID, on: slidOn, connection: connection, logger: context.logger)
            guard
                let shown = try await LeaseStore.list(of: id, only: leaseID, on: connection, logger: context.logger)
                    .first
            else { throw Problem.internal }
            return (shown, .changed())
        }
    }

    // MARK: End, withdrawal, reopening

    @Sendable func end(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Outcome> {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: EndRequest.self, context: context)
        try body.validate()
        let outcome = try await gate.run(id, action: "path.end", context: context) { connection, actor, facts in
            try requirePathKeeper(actor, facts)
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let endedOn = try path.day(
                body.endedOn, field: "endedOn", follows: path.lastMove, closesAccompaniment: true)
            let next = try PathStore.take(.end, from: path.facts)
            let outcome = try await OutcomeStore.record(
                body, on: endedOn, household: id, by: actor, on: connection, logger: context.logger)
            try await PathStore.move(id, to: next, on: endedOn, connection: connection, logger: context.logger)
            guard
                let shown = try await OutcomeStore.list(of: id, only: outcome, on: connection, logger: context.logger)
                    .first
            else { throw Problem.internal }
            return (shown, .changed())
        }
        return EditedResponse(status: .created, response: outcome)
    }

    /// Libre adhésion: the household withdraws its consent to the accompaniment itself,
    /// recorded like any consent by a bound user of the lead organisation (R5).
    @Sendable func withdraw(_ request: Request, context: AuthenticatedContext) async throws -> PathStatus {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeOptionalJSON(as: OccurrenceRequest.self, context: context)
        return try await gate.run(id, action: "path.withdraw", context: context) { connection, actor, facts in
            guard AccessRules.mayManageConsents(actor, facts) else {
                throw Problem.forbidden(
                    "Le retrait du ménage est recueilli par un professionnel tenu au secret de l'organisation référente."
                )
            }
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let next = try PathStore.take(.withdraw, from: path.facts)
            let withdrawnOn = try path.day(
                body?.occurredOn, field: "occurredOn", follows: path.lastMove, closesAccompaniment: true)
            try await PathStore.move(id, to: next, on: withdrawnOn, connection: connection, logger: context.logger)
            return (PathStatus(status: next.rawValue), .changed())
        }
    }

    /// Droit au recommencement: an ended or withdrawn accompaniment starts again, from a new
    /// diagnostic.
    @Sendable func reopen(_ request: Request, context: AuthenticatedContext) async throws -> PathStatus {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeOptionalJSON(as: OccurrenceRequest.self, context: context)
        return try await gate.run(id, action: "path.reopen", context: context) { connection, actor, facts in
            try requirePathKeeper(actor, facts)
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let next = try PathStore.take(.reopen, from: path.facts)
            guard path.wasAccepted else {
                throw Problem.conflict(
                    "Ce ménage n'a jamais été accompagné : il est orienté à nouveau plutôt que rouvert.")
            }
            let reopenedOn = try path.day(body?.occurredOn, field: "occurredOn", follows: path.lastMove)
            try await PathStore.move(id, to: next, on: reopenedOn, connection: connection, logger: context.logger)
            return (PathStatus(status: next.rawValue), .changed())
        }
    }

    // MARK: Outcomes

    @Sendable func outcomes(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Outcome> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "outcome.read", context: context) { connection, _, _ in
            let outcomes = try await OutcomeStore.list(of: id, on: connection, logger: context.logger)
            return (ItemList(items: outcomes), .disclosed([.partners]))
        }
    }

    @Sendable func recordStay(_ request: Request, context: AuthenticatedContext) async throws -> Outcome {
        let id = try context.parameters.uuid("householdId")
        let outcomeID = try context.parameters.uuid("outcomeId")
        let body = try await request.decodeJSON(as: StayRequest.self, context: context)
        try body.validate()
        return try await gate.run(id, action: "outcome.stay", context: context) { connection, actor, facts in
            try requirePathKeeper(actor, facts)
            guard
                let outcome = try await OutcomeStore.list(
                    of: id, only: outcomeID, on: connection, logger: context.logger
                ).first
            else { throw Problem.notFound }
            guard (body.months == 6 ? outcome.inFlatAt6Months : outcome.inFlatAt12Months) == nil else {
                throw Problem.conflict("Le maintien dans le logement à \(body.months) mois est déjà enregistré.")
            }
            guard
                let entered = try await OutcomeStore.entry(
                    of: id, before: outcome.endedOn, on: connection, logger: context.logger)
            else {
                throw Problem.conflict("Aucune entrée dans un logement n'est enregistrée pour ce ménage.")
            }
            let due = Calendar.utc.date(byAdding: .month, value: body.months, to: entered.date)!
            guard due <= Date() else {
                throw Problem.conflict(
                    "Le maintien dans le logement à \(body.months) mois se constate à partir du \(Day(due).french)."
                )
            }
            try await OutcomeStore.recordStay(
                outcomeID, months: body.months, inFlat: body.inFlat, connection: connection, logger: context.logger)
            guard
                let shown = try await OutcomeStore.list(
                    of: id, only: outcomeID, on: connection, logger: context.logger
                ).first
            else { throw Problem.internal }
            return (shown, .changed())
        }
    }

    // MARK: Timeline

    @Sendable func timeline(_ request: Request, context: AuthenticatedContext) async throws -> Page<TimelineEntry> {
        let id = try context.parameters.uuid("householdId")
        let page = try PageRequest(request)
        let after = try page.after.map(TimelineEntry.decode(cursor:))
        let entries = try await gate.run(id, action: "timeline.read", context: context) { connection, _, _ in
            let entries = try await TimelineStore.page(
                of: id, after: after, limit: page.fetchLimit, on: connection, logger: context.logger)
            let levels = Set(entries.prefix(page.limit).compactMap { Level(rawValue: $0.level) })
            return (entries, .disclosed(levels.union([.partners])))
        }
        return page.page(entries, key: \.cursor)
    }
}

/// Where the path stands after a step that has no record of its own.
struct PathStatus: ResponseEncodable, Sendable {
    let status: String
}

extension Lease: ResponseEncodable {}
extension Outcome: ResponseEncodable {}
extension TimelineEntry: ResponseEncodable {}
