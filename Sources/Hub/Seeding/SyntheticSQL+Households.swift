import Foundation

extension SyntheticSQL {
    /// The households, their path, persons, care team, consents and notes.
    static let households: [SyntheticStatement] = [
        // The moves, as the trigger of sql/0007 records them, each by the organisation and person
        // who takes the step: the orienteur orients, the opérateur accepts (its cheffe de service
        // declines), the bailleur proposes and reports the CAL, the référente signs and ends, the
        // facilitator records an end decided in comité; a reopened path is accepted, diagnosed
        // and ended again.
        .init(
            "steps", [.households],
            """
            CREATE TEMP TABLE steps ON COMMIT DROP AS
            SELECT p.n, p.id, p.t0, v.seq, v.off, v.to_state, v.org, v.usr
            FROM plan p CROSS JOIN syn s,
                 LATERAL (VALUES (1, 0, 'oriented', s.referrer, s.referrer_worker),
                                 (2, p.a, CASE p.fate WHEN 'declined' THEN 'declined' WHEN 'withdrawnOriented' THEN 'withdrawn'
                                                      ELSE 'accepted' END,
                                  CASE WHEN p.fate = 'withdrawnOriented' THEN s.referrer ELSE s.operator END,
                                  CASE p.fate WHEN 'declined' THEN s.head WHEN 'withdrawnOriented' THEN s.referrer_worker
                                              ELSE p.referent END),
                                 (3, CASE WHEN p.accepted THEN p.d END, 'diagnosed', s.operator, p.referent),
                                 (4, CASE WHEN p.accepted THEN p.p1 END, 'candidate', p.landlord, p.officer),
                                 (5, CASE WHEN p.accepted THEN p.cal1 END, 'calDecided', p.landlord, p.officer),
                                 (6, CASE WHEN p.accepted AND p.sc = 3 THEN p.p2 END, 'candidate', p.landlord, p.officer),
                                 (7, CASE WHEN p.accepted AND p.sc = 3 THEN p.cal2 END, 'calDecided', p.landlord, p.officer),
                                 (8, CASE WHEN p.accepted THEN p.l END, 'leaseSigned', s.operator, p.referent),
                                 (9, CASE WHEN p.accepted THEN p.e END, 'accompaniedInFlat', s.operator, p.referent),
                                 (20, CASE WHEN p.accepted AND p.closed THEN p.t END, p.terminal, s.operator,
                                  CASE WHEN p.by_comite THEN p.facilitator ELSE p.referent END),
                                 (21, p.ro, 'accepted', s.operator, p.referent),
                                 (22, p.rd, 'diagnosed', s.operator, p.referent),
                                 (23, p.rx, 'ended', s.operator, p.facilitator))
                     AS v (seq, off, to_state, org, usr)
            WHERE v.off IS NOT NULL AND v.off <= CASE WHEN v.seq > 20 THEN p.rh ELSE p.h END
            """),
        .init(
            "steps.analyze", [.households],
            """
            ANALYZE steps
            """),
        // The household as orientation recorded it: public, situation and since when (4.5 years
        // at the hotel on average), DALO for half of them, Action Logement employees for 79 %;
        // its lead organisation (the orienteur until the opérateur accepts) and its status, the
        // last move written.
        .init(
            "households.insert", [.households],
            """
            INSERT INTO households (id, reference, programme_id, status, oriented_by, lead_organisation_id, referent_user_id,
                referent_name, decline_reason, single_parent, current_situation, situation_since, public, dalo_recognised_on,
                dalo_departement, action_logement_employee, resources_category, created_at, last_contact_at, oriented_on)
            SELECT p.id, s.prefix || '-' || lpad(p.n::text, 7, '0'), s.programme, f.to_state, s.referrer,
                   CASE WHEN p.accepted AND p.a <= p.pos THEN s.operator ELSE s.referrer END,
                   CASE WHEN p.accepted AND p.a <= p.pos THEN p.referent END,
                   CASE WHEN p.accepted AND p.a <= p.pos THEN p.referent_name END,
                   CASE WHEN p.fate = 'declined' AND p.a <= p.pos THEN
                        (ARRAY['Le ménage relève d''un autre dispositif (pension de famille) : orientation proposée au SIAO.',
                               'Ressources insuffisantes pour un relogement dans le parc social à ce stade.',
                               'Le ménage a déjà un accompagnement en cours avec un autre opérateur.'])[1 + p.n % 3] END,
                   p.single_parent, q.situation,
                   p.t0 - CASE p.public WHEN 'hotelFamily' THEN pg_temp.r(p.n, 31, 365, 2920)
                                        WHEN 'youngAdultLeavingAse' THEN pg_temp.r(p.n, 31, 90, 900)
                                        ELSE pg_temp.r(p.n, 31, 60, 1500) END,
                   p.public,
                   CASE WHEN q.dalo THEN p.t0 - pg_temp.r(p.n, 35, 60, 1400) END,
                   CASE WHEN q.dalo THEN CASE WHEN pg_temp.r(p.n, 36, 0, 9) = 0 THEN '93' ELSE p.dept END END,
                   q.al,
                   CASE WHEN q.al THEN CASE WHEN q.rr < 85 THEN 'employment' ELSE 'transferIncome' END
                        ELSE CASE WHEN q.rr < 50 THEN 'minimaSociaux' WHEN q.rr < 75 THEN 'transferIncome'
                                  WHEN q.rr < 90 THEN 'none' ELSE 'retirement' END END,
                   pg_temp.at(p.t0, 9 * 60 + 25 + p.n % 20), pg_temp.at(p.t0 + p.fh, 17 * 60), p.t0
            FROM plan p
            CROSS JOIN syn s
            JOIN (SELECT DISTINCT ON (id) id, to_state FROM steps ORDER BY id, seq DESC) f ON f.id = p.id
            CROSS JOIN LATERAL (
                SELECT CASE p.public
                           WHEN 'hotelFamily' THEN 'hotel'
                           WHEN 'youngAdultLeavingAse' THEN CASE WHEN r.sr < 60 THEN 'socialResidence' ELSE 'hostedByThirdParty' END
                           WHEN 'greatPrecarity' THEN CASE WHEN r.sr < 40 THEN 'chrs' WHEN r.sr < 70 THEN 'hostedByThirdParty'
                                                           ELSE 'insalubriousHousing' END
                           WHEN 'aboutToEnterHousing' THEN CASE WHEN r.sr < 60 THEN 'socialResidence' ELSE 'chrs' END
                           WHEN 'housedInRupture' THEN CASE WHEN r.sr < 50 THEN 'other' ELSE 'insalubriousHousing' END
                           ELSE CASE WHEN r.sr < 70 THEN 'street' ELSE 'hostedByThirdParty' END END AS situation,
                       pg_temp.r(p.n, 33, 0, 99) < 50 AS dalo, pg_temp.r(p.n, 34, 0, 99) < 79 AS al, r.rr
                FROM (SELECT pg_temp.r(p.n, 30, 0, 99) AS sr, pg_temp.r(p.n, 37, 0, 99) AS rr) r) q
            ORDER BY p.n
            """),
        // The insert trigger of sql/0007 recorded "null → status, now" for each household: the
        // generated path replaces it, with its dates.
        .init(
            "transitions.replace", [.households],
            """
            DELETE FROM path_transitions t USING plan p WHERE t.household_id = p.id
            """),
        .init(
            "transitions.insert", [.households],
            """
            INSERT INTO path_transitions (id, household_id, from_state, to_state, organisation_id, user_id, at,
                                          occurred_on)
            SELECT pg_temp.uid('transition', st.n, st.seq), st.id,
                   lag(st.to_state) OVER (PARTITION BY st.id ORDER BY st.seq), st.to_state, st.org, st.usr,
                   pg_temp.at(st.t0 + st.off, 9 * 60 + st.seq * 25 + st.n % 20), st.t0 + st.off
            FROM steps st
            ORDER BY st.n, st.seq
            """),
        // The applicant (a young adult of 18–25 when leaving the ASE), a partner when the
        // household is a couple, then children.
        .init(
            "persons.insert", [.households],
            """
            INSERT INTO household_persons (id, household_id, position, first_name, last_name, birth_date, relation)
            SELECT pg_temp.uid('person', p.n, k.i), p.id, k.i,
                   (ARRAY['Aminata', 'Mohamed', 'Fatima', 'Karim', 'Mariam', 'Youssouf', 'Nadia', 'Ibrahim', 'Sabrina', 'Moussa',
                          'Leïla', 'Samir', 'Awa', 'Bilal', 'Kadiatou', 'Ousmane', 'Sophie', 'Thomas', 'Hawa', 'Adama',
                          'Chloé', 'Lucas', 'Yasmine', 'Ryan'])[1 + pg_temp.r(p.n, 50 + k.i, 0, 23)],
                   (ARRAY['Traoré', 'Diallo', 'Benali', 'Koné', 'Camara', 'Haddad', 'Martin', 'Bernard', 'Cissé', 'Keïta',
                          'Mansouri', 'Diarra', 'Petit', 'Sylla', 'Bensaïd', 'Touré', 'Dubois', 'Fofana', 'Ndiaye', 'Laurent',
                          'Sow', 'Rahmani', 'Doucouré', 'Mendy', 'Robert', 'Baldé', 'Chérif', 'Kaba', 'Girard', 'Tall'])
                       [1 + pg_temp.r(p.n, 49, 0, 29)],
                   CASE WHEN k.i = 0 AND p.public = 'youngAdultLeavingAse' THEN p.t0 - pg_temp.r(p.n, 60, 18 * 365, 25 * 365)
                        WHEN k.i <= k.adults - 1 THEN p.t0 - pg_temp.r(p.n, 60 + k.i, 22 * 365, 58 * 365)
                        ELSE p.t0 - pg_temp.r(p.n, 60 + k.i, 30, 17 * 365) END,
                   CASE WHEN k.i = 0 THEN 'applicant' WHEN k.i <= k.adults - 1 THEN 'partner' ELSE 'child' END
            FROM plan p,
                 LATERAL (SELECT i, CASE WHEN p.persons = 1 OR p.single_parent OR p.public = 'youngAdultLeavingAse' THEN 1 ELSE 2 END
                                    AS adults
                          FROM generate_series(0, p.persons - 1) AS i) k
            ORDER BY p.n, k.i
            """),
        // The orienteur and the opérateur from the orientation; the bailleur of the household's
        // département once the opérateur has accepted.
        .init(
            "careteam.insert", [.households],
            """
            INSERT INTO care_team (household_id, organisation_id, added_at)
            SELECT p.id, v.org, pg_temp.at(p.t0 + v.off, 10 * 60)
            FROM plan p CROSS JOIN syn s,
                 LATERAL (VALUES (s.referrer, 0), (s.operator, 0), (p.landlord, CASE WHEN p.accepted AND p.a <= p.pos THEN p.a END))
                     AS v (org, off)
            WHERE v.off IS NOT NULL
            ORDER BY p.n, v.org
            """),
        // R5: the orienteur's social worker records, at orientation, the household's consent for
        // itself and the opérateur (secret partagé); the référente records the bailleur's
        // (partners) at acceptance. Twelve months, renewed while the accompaniment goes on;
        // withdrawn with the accompaniment.
        .init(
            "consents.insert", [.households],
            """
            INSERT INTO consents (id, household_id, recipient_organisation_id, level, purpose, obtained_how,
                informed_of_categories, informed_of_professionals, informed_of_medium, informed_of_protection, given_at,
                expires_at, recorded_by, recorded_by_organisation_id, withdrawn_at, withdrawn_by, given_on, withdrawn_on)
            SELECT pg_temp.uid('consent', c.n, c.j * 10 + c.renewal), c.id, c.org, c.level,
                   CASE WHEN c.org = s.landlord_a OR c.org = s.landlord_b
                        THEN 'Relogement et suivi dans le logement : partage avec le bailleur'
                        ELSE 'Accompagnement vers et dans le logement' END,
                   (ARRAY['writtenSigned', 'writtenSigned', 'oralInInterview', 'electronic'])[1 + pg_temp.r(c.n, 70 + c.j, 0, 3)],
                   true, true, true, true, pg_temp.at(c.given, 11 * 60 + c.j), pg_temp.at((c.given + interval '12 months')::date,
                   11 * 60 + c.j), c.by_user, c.by_org,
                   CASE WHEN c.withdrawn_on IS NOT NULL AND c.withdrawn_on < (c.given + interval '12 months')::date
                             AND c.withdrawn_on >= c.given
                        THEN pg_temp.at(c.withdrawn_on, 16 * 60) END,
                   CASE WHEN c.withdrawn_on IS NOT NULL AND c.withdrawn_on < (c.given + interval '12 months')::date
                             AND c.withdrawn_on >= c.given
                        THEN c.withdrawer END,
                   c.given,
                   CASE WHEN c.withdrawn_on IS NOT NULL AND c.withdrawn_on < (c.given + interval '12 months')::date
                             AND c.withdrawn_on >= c.given
                        THEN c.withdrawn_on END
            FROM (SELECT p.n, p.id, v.j, v.org, v.level, v.by_user, v.by_org, k.renewal,
                         CASE WHEN k.renewal = 0 THEN p.t0 + v.off
                              ELSE (p.t0 + v.off + k.renewal * interval '12 months')::date - pg_temp.r(p.n, 73 + v.j, 0, 14) END
                             AS given,
                         CASE WHEN p.terminal = 'withdrawn' AND p.closed AND p.ro IS NULL THEN p.t0 + p.t END AS withdrawn_on,
                         CASE WHEN p.fate = 'withdrawnOriented' THEN s.referrer_worker ELSE p.referent END AS withdrawer,
                         p.fh, p.t0
                  FROM plan p CROSS JOIN syn s,
                       LATERAL (VALUES (1, s.referrer, 'secret', s.referrer_worker, s.referrer, 0),
                                       (2, s.operator, 'secret', s.referrer_worker, s.referrer, 0),
                                       (3, p.landlord, 'partners', p.referent, s.operator,
                                        CASE WHEN p.accepted AND p.a <= p.pos THEN p.a END)) AS v (j, org, level, by_user, by_org, off),
                       LATERAL generate_series(0, 3) AS k (renewal)
                  WHERE v.off IS NOT NULL) c
            CROSS JOIN syn s
            WHERE c.renewal = 0 OR (c.given <= c.t0 + c.fh AND c.given <= s.asof)
            ORDER BY c.n, c.j, c.renewal
            """),
        // A few notes of the référente over the accompaniment, at mixed levels (secret mostly).
        .init(
            "notes.insert", [.households],
            """
            INSERT INTO notes (id, household_id, author_organisation_id, author_user_id, author_name, written_at, body, level)
            SELECT pg_temp.uid('note', p.n, k), p.id, s.operator, p.referent, p.referent_name,
                   pg_temp.at(p.t0 + p.a + (k * (p.fh - p.a)) / (q.notes + 1), 16 * 60 + k),
                   (ARRAY['Entretien au bureau : point sur le budget et les démarches en cours.',
                          'Visite au lieu d''hébergement : conditions de vie, scolarité des enfants, attentes sur le logement.',
                          'Échange avec le service social de secteur sur l''ouverture des droits.',
                          'Le ménage évoque des difficultés de santé ; orientation proposée vers le centre médico-social.',
                          'Point sur la recherche de logement : typologie souhaitée, secteur, loyer supportable.',
                          'Préparation de l''entrée dans les lieux : assurance, ouverture des compteurs, mobilier.'])
                       [1 + pg_temp.r(p.n, 80 + k, 0, 5)],
                   (ARRAY['partners', 'secret', 'secret', 'secret', 'private'])[1 + pg_temp.r(p.n, 86 + k, 0, 4)]
            FROM plan p CROSS JOIN syn s,
                 LATERAL (SELECT pg_temp.r(p.n, 79, 1, 5) AS notes) q,
                 LATERAL generate_series(1, q.notes) AS k
            WHERE p.accepted AND p.a < p.fh
            ORDER BY p.n, k
            """),
    ]
}
