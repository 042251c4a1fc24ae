import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// `hub seed-synthetic` (issue 7): the same seed gives the same population whatever the
/// programme it lands in, another seed another one; every path follows the moves of
/// `HouseholdPath` with increasing dates, the records agree with each other (a lease after an
/// attribution and within a contract's coverage, an end in comité on its day after a bilan
/// de fin); and the programme's evaluator reads non-zero indicators.
@Suite(.serialized) struct SeedSyntheticTests {
    static let households = 300

    struct Generated: Sendable {
        let first: SyntheticPopulation.Report
        let again: SyntheticPopulation.Report
        let other: SyntheticPopulation.Report
    }

    /// Seed 7 twice, into two programmes, and seed 8: generated once for the suite.
    static let generated = Task { () throws -> Generated in
        let suffix = UUID().uuidString.prefix(8).lowercased()
        func run(_ name: String, seed: Int64) async throws -> SyntheticPopulation.Report {
            try await withOwner { owner in
                try await SyntheticPopulation.run(
                    .init(households: households, seed: seed, programme: "\(name) \(suffix)", batch: 120),
                    client: owner, logger: TestDatabase.logger)
            }
        }
        return Generated(
            first: try await run("Synthétique A", seed: 7), again: try await run("Synthétique B", seed: 7),
            other: try await run("Synthétique C", seed: 8))
    }

    /// Everything the generation wrote for a programme but its ids and references: counts and
    /// sums per category, and a digest of every table's rows in a stable order (households by
    /// their number, the end of their reference).
    static func fingerprint(of programme: UUID, on owner: PostgresClient) async throws -> [String] {
        let queries = [
            """
            SELECT 'households ' || md5(string_agg(concat_ws('|', right(x.reference, 7), x.status, x.public,
                x.current_situation, x.situation_since, x.single_parent, x.dalo_recognised_on, x.dalo_departement,
                x.action_logement_employee, x.resources_category, x.created_at, x.last_contact_at, x.referent_name,
                x.decline_reason, x.lead_organisation_id, x.referent_user_id), ',' ORDER BY x.reference))
            FROM h x
            """,
            """
            SELECT 'transitions ' || md5(string_agg(concat_ws('|', right(x.reference, 7), t.from_state, t.to_state,
                t.at, t.organisation_id, t.user_id), ',' ORDER BY x.reference, t.at))
            FROM path_transitions t JOIN h x ON x.id = t.household_id
            """,
            """
            SELECT 'persons ' || md5(string_agg(concat_ws('|', right(x.reference, 7), p.position, p.first_name,
                p.last_name, p.birth_date, p.relation), ',' ORDER BY x.reference, p.position))
            FROM household_persons p JOIN h x ON x.id = p.household_id
            """,
            """
            SELECT 'consents ' || md5(string_agg(concat_ws('|', right(x.reference, 7), k.recipient_organisation_id,
                k.level, k.purpose, k.obtained_how, k.given_at, k.expires_at, k.recorded_by, k.withdrawn_at),
                ',' ORDER BY x.reference, k.recipient_organisation_id, k.given_at))
            FROM consents k JOIN h x ON x.id = k.household_id
            """,
            """
            SELECT 'diagnostics ' || md5(string_agg(concat_ws('|', right(x.reference, 7), d.version, d.status,
                d.created_at, d.validated_at, d.revision, e.kind, e.code, e.value, e.level),
                ',' ORDER BY x.reference, d.version, e.kind, e.code))
            FROM diagnostics d JOIN h x ON x.id = d.household_id JOIN diagnostic_entries e ON e.diagnostic_id = d.id
            """,
            """
            SELECT 'meetings ' || md5(string_agg(concat_ws('|', right(x.reference, 7), m.kind, m.status, m.starts_at,
                m.duration_minutes, m.created_at, n.body), ','
                ORDER BY x.reference, m.starts_at, m.kind, m.status, m.duration_minutes, n.body))
            FROM meetings m JOIN h x ON x.id = m.household_id LEFT JOIN meeting_notes n ON n.meeting_id = m.id
            """,
            """
            SELECT 'accompaniment ' || md5(concat(
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), c.kind, c.objectives, c.signed_on,
                     c.planned_end_on), ',' ORDER BY x.reference, c.signed_on)
                 FROM contracts c JOIN h x ON x.id = c.household_id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), a.kind, a.amount_cents, a.status,
                     a.requested_on, a.decided_on), ',' ORDER BY x.reference, a.requested_on, a.kind)
                 FROM aids a JOIN h x ON x.id = a.household_id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), n.written_at, n.body, n.level), ','
                     ORDER BY x.reference, n.written_at)
                 FROM notes n JOIN h x ON x.id = n.household_id)))
            """,
            """
            SELECT 'housing ' || md5(concat(
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), p.proposed_on, f.commune, f.departement,
                     f.flat_type, f.rent_cents, f.contingent, a.answer, a.refusal_reason, a.answered_on), ','
                     ORDER BY x.reference, p.proposed_on)
                 FROM proposals p JOIN h x ON x.id = p.household_id JOIN flats f ON f.id = p.flat_id
                 LEFT JOIN proposal_answers a ON a.proposal_id = p.id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), d.decided_on, d.decision, d.refusal_reason),
                     ',' ORDER BY x.reference, d.decided_on, d.decision)
                 FROM cal_decisions d JOIN h x ON x.id = d.household_id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), l.kind, l.signed_on, l.referent_attended,
                     l.entry_inspection_on, l.slid_on), ',' ORDER BY x.reference)
                 FROM leases l JOIN h x ON x.id = l.household_id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), a.kind, a.reported_on, a.arrears_cents,
                     a.arrears_months, a.resolved_on), ',' ORDER BY x.reference, a.reported_on, a.kind)
                 FROM alerts a JOIN h x ON x.id = a.household_id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), o.kind, o.ended_on, o.author_user_id,
                     o.in_flat_at_6_months, o.in_flat_at_12_months), ',' ORDER BY x.reference, o.ended_on)
                 FROM outcomes o JOIN h x ON x.id = o.household_id)))
            """,
            """
            SELECT 'comites ' || md5(concat(
                (SELECT string_agg(concat_ws('|', y.territory, y.comite_day, c.held_on, c.status, c.minutes_version,
                     c.published_at, c.diffused_at), ',' ORDER BY c.held_on, y.territory)
                 FROM comites c JOIN y ON y.id = c.cell_id),
                (SELECT string_agg(concat_ws('|', c.held_on, i.position, right(x.reference, 7), i.reasons::text,
                     i.added_by, d.decision, d.adopted, d.detail, s.level, s.body, o.reason), ','
                     ORDER BY c.held_on, i.position)
                 FROM agenda_items i JOIN comites c ON c.id = i.comite_id JOIN h x ON x.id = i.household_id
                 LEFT JOIN comite_decisions d ON d.item_id = i.id LEFT JOIN comite_discussions s ON s.item_id = i.id
                 LEFT JOIN comite_objections o ON o.item_id = i.id),
                (SELECT string_agg(concat_ws('|', c.held_on, right(x.reference, 7), a.description,
                     a.owner_organisation_id, a.owner_user_id, a.due_on, a.status, a.level, a.closed_at), ','
                     ORDER BY c.held_on, x.reference, a.due_on, a.description)
                 FROM comite_actions a JOIN comites c ON c.id = a.comite_id JOIN h x ON x.id = a.household_id),
                (SELECT string_agg(concat_ws('|', c.held_on, a.user_id, a.present), ',' ORDER BY c.held_on, a.user_id)
                 FROM comite_attendance a JOIN k c ON c.id = a.comite_id),
                (SELECT string_agg(concat_ws('|', right(x.reference, 7), r.kind, r.reason, r.requested_at,
                     r.comite_id IS NULL), ',' ORDER BY x.reference, r.requested_at)
                 FROM comite_requests r JOIN h x ON x.id = r.household_id)))
            """,
            """
            SELECT 'status ' || string_agg(s, ' ' ORDER BY s)
            FROM (SELECT status || '=' || count(*) AS s FROM h GROUP BY status) q
            """,
            """
            SELECT 'amounts ' || (SELECT coalesce(sum(amount_cents), 0) FROM aids WHERE household_id IN (SELECT id FROM h))
                   || ' ' || (SELECT coalesce(sum(arrears_cents), 0) FROM alerts WHERE household_id IN (SELECT id FROM h))
            """,
            """
            SELECT 'months ' || string_agg(m || '=' || n, ' ' ORDER BY m)
            FROM (SELECT to_char(t.at, 'YYYY-MM') AS m, count(*) AS n FROM path_transitions t
                  WHERE t.household_id IN (SELECT id FROM h) GROUP BY 1) q
            """,
        ]
        var lines: [String] = []
        for query in queries {
            let sql = """
                WITH h AS (SELECT * FROM households WHERE programme_id = $1),
                     y AS (SELECT * FROM coordination_cells WHERE programme_id = $1),
                     k AS (SELECT c.* FROM comites c JOIN y ON y.id = c.cell_id)
                \(query)
                """
            var binds = PostgresBindings()
            binds.append(programme)
            for try await line in try await owner.query(
                PostgresQuery(unsafeSQL: sql, binds: binds), logger: TestDatabase.logger
            )
            .decode(String?.self) {
                lines.append(line ?? "(vide)")
            }
        }
        let counts = try await SyntheticPopulation.count(
            programme: programme, client: owner, logger: TestDatabase.logger)
        return lines + counts.map { "\($0.table)=\($0.rows)" }
    }

    @Test func theSameSeedGivesTheSamePopulationAndAnotherSeedAnotherOne() async throws {
        let generated = try await Self.generated.value
        #expect(generated.first.counts.first { $0.table == "households" }?.rows == Self.households)
        try await withOwner { owner in
            let first = try await Self.fingerprint(of: generated.first.programmeID, on: owner)
            let again = try await Self.fingerprint(of: generated.again.programmeID, on: owner)
            let other = try await Self.fingerprint(of: generated.other.programmeID, on: owner)
            #expect(generated.first.programmeID != generated.again.programmeID)
            #expect(first == again)
            for (line, otherLine) in zip(first, again) where line != otherLine {
                Issue.record("\(line) ≠ \(otherLine)")
            }
            #expect(first != other)
            // Every digest of the population changes with the seed.
            for (line, otherLine) in zip(first.prefix(9), other.prefix(9)) {
                #expect(line != otherLine, "\(line)")
            }
        }
        // Every table was filled.
        for (table, rows) in generated.first.counts { #expect(rows > 0, "\(table)") }
    }

    /// The moves `HouseholdPath` allows, whatever the facts: (from, to) with from ≠ to.
    static let allowedMoves: Set<String> = {
        let far = Calendar.utc.date(byAdding: .year, value: 10, to: Date())!
        let steps: [PathStep] =
            [
                .accept, .decline, .validateDiagnostic, .propose, .signLease(on: Date()), .moveIn(on: Date()), .end,
                .withdraw, .reopen,
            ] + CALDecisionKind.allCases.map { .recordCALDecision($0) }
        var moves: Set<String> = []
        for state in PathState.allCases {
            for last in [nil] + CALDecisionKind.allCases.map(Optional.some) {
                let facts = PathFacts(state: state, lastCALDecision: last, contract: ContractFacts(plannedEnd: far))
                for step in steps {
                    if case .success(let next) = HouseholdPath.next(step, from: facts), next != state {
                        moves.insert("\(state.rawValue)→\(next.rawValue)")
                    }
                }
            }
        }
        return moves
    }()

    @Test func everyPathFollowsTheAllowedMovesWithIncreasingDates() async throws {
        let generated = try await Self.generated.value
        try await withOwner { owner in
            var statuses: [UUID: String] = [:]
            for try await (id, status) in try await owner.query(
                "SELECT id, status FROM households WHERE programme_id = \(generated.first.programmeID)",
                logger: TestDatabase.logger
            ).decode((UUID, String).self) {
                statuses[id] = status
            }
            #expect(statuses.count == Self.households)
            var last: (household: UUID, state: String, at: Date)?
            var ends: [UUID: String] = [:]
            var moves = 0
            for try await (household, from, to, at) in try await owner.query(
                """
                SELECT t.household_id, t.from_state, t.to_state, t.at FROM path_transitions t
                JOIN households x ON x.id = t.household_id
                WHERE x.programme_id = \(generated.first.programmeID) ORDER BY t.household_id, t.at
                """, logger: TestDatabase.logger
            ).decode((UUID, String?, String, Date).self) {
                if let previous = last, previous.household == household {
                    #expect(from == previous.state, "\(household)")
                    #expect(Self.allowedMoves.contains("\(previous.state)→\(to)"), "\(previous.state)→\(to)")
                    #expect(at > previous.at, "\(household)")
                    moves += 1
                } else {
                    #expect(from == nil && to == "oriented", "\(household)")
                }
                last = (household, to, at)
                ends[household] = to
            }
            #expect(ends == statuses)
            #expect(moves > Self.households)
        }
    }

    /// What the rules of the path and the comité say of the records, counted as violations.
    static let consistency: [(String, String)] = [
        (
            "bail sans attribution de la CAL",
            """
            SELECT count(*) FROM leases l WHERE l.household_id IN (SELECT id FROM h) AND NOT EXISTS (
                SELECT 1 FROM cal_decisions d WHERE d.proposal_id = l.proposal_id AND d.decided_on <= l.signed_on
                AND d.decision IN ('attribution', 'conditionalAttribution'))
            """
        ),
        (
            "bail sans contrat couvrant six mois après l'entrée",
            """
            SELECT count(*) FROM leases l WHERE l.household_id IN (SELECT id FROM h) AND NOT EXISTS (
                SELECT 1 FROM contracts c WHERE c.household_id = l.household_id AND c.signed_on <= l.signed_on
                AND c.planned_end_on >= (coalesce(l.entry_inspection_on, l.signed_on) + interval '6 months')::date)
            """
        ),
        (
            "fin adoptée sans bilan de fin, sortie ni transition le jour du comité",
            """
            SELECT count(*) FROM comite_decisions d JOIN comites c ON c.id = d.comite_id
            WHERE d.household_id IN (SELECT id FROM h) AND d.decision = 'endAccompaniment' AND d.adopted AND (
                NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.id = d.outcome_id AND o.ended_on = c.held_on)
                OR NOT EXISTS (SELECT 1 FROM meetings m WHERE m.household_id = d.household_id AND m.kind = 'endReview'
                               AND m.status = 'held'
                               AND (m.starts_at AT TIME ZONE 'UTC')::date BETWEEN c.held_on - 60 AND c.held_on)
                OR NOT EXISTS (SELECT 1 FROM path_transitions t WHERE t.household_id = d.household_id
                               AND t.to_state = 'ended' AND (t.at AT TIME ZONE 'UTC')::date = c.held_on))
            """
        ),
        (
            "fin non adoptée sans objection d'un partenaire présent",
            """
            SELECT count(*) FROM comite_decisions d
            WHERE d.household_id IN (SELECT id FROM h) AND d.decision = 'endAccompaniment' AND NOT d.adopted
              AND NOT EXISTS (SELECT 1 FROM comite_objections o JOIN comite_attendance a
                              ON a.comite_id = o.comite_id AND a.organisation_id = o.organisation_id AND a.present
                              WHERE o.item_id = d.item_id)
            """
        ),
        (
            "rendez-vous avant l'acceptation ou après la fin du programme",
            """
            SELECT count(*) FROM meetings m WHERE m.household_id IN (SELECT id FROM h) AND m.status <> 'planned' AND (
                m.starts_at >= timestamptz '2026-01-01'
                OR m.starts_at < (SELECT min(t.at) FROM path_transitions t WHERE t.household_id = m.household_id
                                  AND t.to_state = 'accepted'))
            """
        ),
        (
            "versions du diagnostic non consécutives",
            """
            SELECT count(*) FROM (SELECT household_id FROM diagnostics WHERE household_id IN (SELECT id FROM h)
                                  GROUP BY household_id HAVING max(version) <> count(*)) v
            """
        ),
    ]

    @Test func theRecordsAgreeWithThePathAndTheComiteRules() async throws {
        let generated = try await Self.generated.value
        try await withOwner { owner in
            for (rule, query) in Self.consistency {
                var binds = PostgresBindings()
                binds.append(generated.first.programmeID)
                let sql = "WITH h AS (SELECT id FROM households WHERE programme_id = $1) \(query)"
                for try await violations in try await owner.query(
                    PostgresQuery(unsafeSQL: sql, binds: binds), logger: TestDatabase.logger
                ).decode(Int.self) {
                    #expect(violations == 0, "\(rule)")
                }
            }
            // The diagnostic evolves: some SH-3 assessments change between a household's versions.
            let changed = try await owner.query(
                """
                SELECT count(DISTINCT a.household_id)::integer FROM diagnostic_entries a
                JOIN diagnostics da ON da.id = a.diagnostic_id JOIN diagnostics db ON db.household_id = da.household_id
                  AND db.version = da.version + 1
                JOIN diagnostic_entries b ON b.diagnostic_id = db.id AND b.kind = 'assessment' AND b.code = a.code
                JOIN households x ON x.id = a.household_id
                WHERE x.programme_id = \(generated.first.programmeID) AND a.kind = 'assessment' AND a.code = 'SH-3'
                  AND a.value <> b.value
                """, logger: TestDatabase.logger
            ).decode(Int.self)
            for try await households in changed { #expect(households > 0) }
        }
    }

    /// A run that fails after its households' transactions committed removes them again (the
    /// comités' transaction, which commits last, had written nothing), and the programme can
    /// be generated anew; a programme that holds households is refused.
    @Test func aFailedRunLeavesNothingAndAFullProgrammeIsRefused() async throws {
        let options = SyntheticPopulation.Options(
            households: 40, seed: 3, programme: "Synthétique échec \(UUID().uuidString.prefix(8).lowercased())")
        try await withOwner { owner in
            let setup = try await SyntheticPopulation.prepare(options, client: owner, logger: TestDatabase.logger)
            for shard in SyntheticPopulation.shards(of: options.households, into: options.workers) {
                try await SyntheticPopulation.generate(
                    .households, options, shard: shard, client: owner, logger: TestDatabase.logger)
            }
            await #expect(throws: SyntheticError.self) {
                _ = try await SyntheticPopulation.prepare(options, client: owner, logger: TestDatabase.logger)
            }
            try await SyntheticPopulation.remove(
                programme: setup.programmeID, client: owner, logger: TestDatabase.logger)
            let left = try await SyntheticPopulation.count(
                programme: setup.programmeID, client: owner, logger: TestDatabase.logger)
            #expect(left.allSatisfy { $0.rows == 0 }, "\(left.filter { $0.rows > 0 })")
            let report = try await SyntheticPopulation.run(options, client: owner, logger: TestDatabase.logger)
            #expect(report.programmeID == setup.programmeID)
            #expect(report.counts.first { $0.table == "households" }?.rows == options.households)
        }
    }

    @Test func theProgrammesEvaluatorReadsNonZeroIndicators() async throws {
        let generated = try await Self.generated.value
        let report = generated.first
        let token = try await withOwner { owner in
            let state = Fixtures.Org(id: report.evaluatorOrganisationID, name: report.evaluatorOrganisation)
            return try await Fixtures.token(
                for: try await Fixtures.user(in: state, roles: [.evaluator], on: owner), on: owner)
        }
        try await withApp { client in
            let answer = try await client.execute(
                uri: "/v1/programmes/\(report.programmeID)/indicators?period=2025", method: .get,
                headers: bearer(token))
            #expect(answer.status == .ok)
            let indicators = try #require(answer.object["indicators"] as? [[String: Any]])
            func value(_ code: String) -> Int? {
                indicators.first { $0["code"] as? String == code }?["value"] as? Int
            }
            for code in [
                "oriented", "accepted", "followed", "rehoused", "flatsProposed", "flatsAttributed", "aidObtained",
                "outcomes", "endsDecidedInComite", "meetingsHeld",
            ] {
                #expect((value(code) ?? 0) > 0, "\(code)")
            }
            #expect((value("meetingsHeld") ?? 0) > 10 * (value("followed") ?? 0) / 2)
        }
    }
}
