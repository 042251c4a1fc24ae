import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// The bailleur's part of a household's path (issue 5): proposals of its flats, the
/// household's answers, the CAL's decisions and alerts. Written by the bailleur's housing
/// officers through the door (the answer also by the référent's organisation); read by
/// everyone through the door as R1–R4 allow.
struct HousingController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("households/:householdId/proposals", use: proposals)
        group.post("households/:householdId/proposals", use: propose)
        group.post("households/:householdId/proposals/:proposalId/answer", use: answer)
        group.get("households/:householdId/cal-decisions", use: decisions)
        group.post("households/:householdId/cal-decisions", use: decide)
        group.get("households/:householdId/alerts", use: alerts)
        group.post("households/:householdId/alerts", use: report)
        group.post("households/:householdId/alerts/:alertId/resolve", use: resolve)
    }

    /// A housing officer through the door, of an organisation that is the bailleur of the
    /// household's programme.
    func requireLandlord(
        _ actor: Actor, _ facts: HouseholdFacts, programme: UUID, on connection: PostgresConnection,
        context: AuthenticatedContext
    ) async throws {
        let parts = try await HouseholdStore.programmeParts(
            programme, for: actor.organisationID, on: connection, logger: context.logger)
        guard AccessRules.mayWriteHousing(actor, facts), parts?.mine.contains(.landlord) == true else {
            throw Problem.forbidden(
                "Les propositions de logement, les décisions de la CAL et les alertes sont enregistrées par le bailleur du programme."
            )
        }
    }

    // MARK: Proposals

    @Sendable func proposals(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Proposal> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "proposal.read", context: context) { connection, _, _ in
            let proposals = try await CandidacyStore.proposals(of: id, on: connection, logger: context.logger)
            return (ItemList(items: proposals), .disclosed([.partners]))
        }
    }

    @Sendable func propose(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Proposal> {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewProposalRequest.self, context: context)
        let proposal = try await gate.run(id, action: "proposal.add", context: context) { connection, actor, facts in
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            let proposedOn = try path.day(body.proposedOn, field: "proposedOn")
            try await requireLandlord(actor, facts, programme: path.programme, on: connection, context: context)
            guard let flat = try await FlatStore.find(body.flatId, on: connection, logger: context.logger),
                flat.landlordOrganisationId == actor.organisationID
            else {
                throw Problem.unprocessable(
                    "Ce logement n'est pas dans le parc de votre organisation.", field: "flatId")
            }
            let next = try PathStore.take(.propose, from: path.facts)
            let proposal = try await CandidacyStore.propose(
                body.flatId, on: proposedOn, household: id, by: actor, on: connection, logger: context.logger)
            try await PathStore.move(id, to: next, on: proposedOn, connection: connection, logger: context.logger)
            let shown = try await CandidacyStore.proposals(
                of: id, only: proposal, on: connection, logger: context.logger)
            guard let shown = shown.first else { throw Problem.internal }
            return (shown, .changed())
        }
        return EditedResponse(status: .created, response: proposal)
    }

    @Sendable func answer(_ request: Request, context: AuthenticatedContext) async throws -> Proposal {
        let id = try context.parameters.uuid("householdId")
        let proposalID = try context.parameters.uuid("proposalId")
        let body = try await request.decodeJSON(as: ProposalAnswerRequest.self, context: context)
        let (answeredOn, comment) = try body.validated()
        return try await gate.run(id, action: "proposal.answer", context: context) { connection, actor, facts in
            guard
                let proposal = try await CandidacyStore.proposals(
                    of: id, only: proposalID, on: connection, logger: context.logger
                ).first
            else { throw Problem.notFound }
            guard
                AccessRules.mayRecordAnswer(
                    actor, facts, proposedByActor: proposal.authorOrganisationId == actor.organisationID)
            else {
                throw Problem.forbidden(
                    "La réponse du ménage est enregistrée par le bailleur qui a proposé le logement ou par l'organisation référente."
                )
            }
            guard proposal.answer == nil else {
                throw Problem.conflict("La réponse du ménage à cette proposition est déjà enregistrée.")
            }
            try check(
                answeredOn >= proposal.proposedOn, field: "answeredOn",
                "La réponse ne peut pas précéder la proposition.")
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            try answeredOn.check(within: programme, field: "answeredOn")
            try await CandidacyStore.answer(
                body, comment: comment, proposal: proposalID, household: id, by: actor, on: connection,
                logger: context.logger)
            let answered = try await CandidacyStore.proposals(
                of: id, only: proposalID, on: connection, logger: context.logger)
            guard let answered = answered.first else { throw Problem.internal }
            return (answered, .changed())
        }
    }

    // MARK: CAL decisions

    @Sendable func decisions(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<CALDecision> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "calDecision.read", context: context) { connection, _, _ in
            let decisions = try await CandidacyStore.decisions(of: id, on: connection, logger: context.logger)
            return (ItemList(items: decisions), .disclosed([.partners]))
        }
    }

    @Sendable func decide(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<CALDecision>
    {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewCALDecisionRequest.self, context: context)
        let checked = try body.validated()
        let decision = try await gate.run(id, action: "calDecision.add", context: context) {
            connection, actor, facts in
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            try await requireLandlord(actor, facts, programme: path.programme, on: connection, context: context)
            guard
                let proposal = try await CandidacyStore.proposals(
                    of: id, only: body.proposalId, on: connection, logger: context.logger
                ).first, proposal.authorOrganisationId == actor.organisationID
            else {
                throw Problem.unprocessable(
                    "La CAL examine une proposition de votre organisation faite à ce ménage.", field: "proposalId")
            }
            guard proposal.answer?.answer != "refused" else {
                throw Problem.conflict("Le ménage a refusé ce logement : la CAL ne peut plus l'examiner.")
            }
            let decidedOn = try path.day(
                body.decidedOn, field: "decidedOn",
                follows: FactDay.Step(proposal.proposedOn, "la proposition du logement"))
            let next = try PathStore.take(.recordCALDecision(checked.kind), from: path.facts)
            let decision = try await CandidacyStore.decide(
                body, checked, on: decidedOn, household: id, by: actor, on: connection, logger: context.logger)
            try await PathStore.move(id, to: next, on: decidedOn, connection: connection, logger: context.logger)
            try await Outbox.record(
                .household(.calDecisionRecorded, id, reference: path.reference, by: actor), on: connection,
                logger: context.logger)
            return (decision, .changed())
        }
        return EditedResponse(status: .created, response: decision)
    }

    // MARK: Alerts

    @Sendable func alerts(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Alert> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "alert.read", context: context) { connection, _, _ in
            let alerts = try await AlertStore.list(of: id, on: connection, logger: context.logger)
            return (ItemList(items: alerts), .disclosed([.partners]))
        }
    }

    @Sendable func report(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Alert> {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewAlertRequest.self, context: context)
        let checked = try body.validated()
        let alert = try await gate.run(id, action: "alert.add", context: context) { connection, actor, facts in
            let path = try await PathStore.snapshot(of: id, on: connection, logger: context.logger)
            try await requireLandlord(actor, facts, programme: path.programme, on: connection, context: context)
            let reportedOn = try path.day(body.reportedOn, field: "reportedOn")
            guard [.leaseSigned, .accompaniedInFlat].contains(path.facts.state),
                try await AlertStore.landlordOfCurrentFlat(of: id, on: connection, logger: context.logger)
                    == actor.organisationID
            else {
                throw Problem.conflict(
                    "Une alerte porte sur un ménage accompagné, logé par bail dans un logement de votre organisation.")
            }
            let alert = try await AlertStore.report(
                body, checked, on: reportedOn, household: id, by: actor, on: connection, logger: context.logger)
            // The référent is told (R13: the reference only).
            try await Outbox.record(
                .household(.alertReported, id, reference: path.reference, by: actor), on: connection,
                logger: context.logger)
            guard
                let shown = try await AlertStore.list(of: id, only: alert, on: connection, logger: context.logger).first
            else { throw Problem.internal }
            return (shown, .changed())
        }
        return EditedResponse(status: .created, response: alert)
    }

    @Sendable func resolve(_ request: Request, context: AuthenticatedContext) async throws -> Alert {
        let id = try context.parameters.uuid("householdId")
        let alertID = try context.parameters.uuid("alertId")
        let body = try await request.decodeJSON(as: AlertResolutionRequest.self, context: context)
        let (resolvedOn, resolution) = try body.validated()
        return try await gate.run(id, action: "alert.resolve", context: context) { connection, actor, facts in
            guard
                let alert = try await AlertStore.list(of: id, only: alertID, on: connection, logger: context.logger)
                    .first
            else { throw Problem.notFound }
            guard AccessRules.mayWriteHousing(actor, facts), alert.authorOrganisationId == actor.organisationID else {
                throw Problem.forbidden("Seul le bailleur qui a signalé une alerte la clôt.")
            }
            guard alert.resolution == nil else { throw Problem.conflict("Cette alerte est déjà résolue.") }
            try check(
                resolvedOn >= alert.reportedOn, field: "resolvedOn",
                "Une alerte ne peut pas être résolue avant d'avoir été signalée.")
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            try resolvedOn.check(within: programme, field: "resolvedOn")
            try await AlertStore.resolve(
                alertID, on: resolvedOn, resolution: resolution, connection: connection, logger: context.logger)
            guard
                let shown = try await AlertStore.list(of: id, only: alertID, on: connection, logger: context.logger)
                    .first
            else { throw Problem.internal }
            return (shown, .changed())
        }
    }
}

extension Proposal: ResponseEncodable {}
extension CALDecision: ResponseEncodable {}
extension Alert: ResponseEncodable {}
