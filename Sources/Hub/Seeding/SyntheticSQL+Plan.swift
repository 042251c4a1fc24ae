import Foundation

extension SyntheticSQL {
    /// Each household's path, drawn from the seed: the table every later statement reads.
    static let plan: [SyntheticStatement] = [
        // Each household's path, in days after its orientation t0 (12 % in the programme's first
        // two months, the partners' first wave, the others uniformly over the two years):
        // accepted or declined (a, 7–30 days), diagnostic validated (d, 21–60 later), contract (c,
        // 0–21), a first proposal (p1, 30–270 after the diagnostic: the wait for a flat,
        // triangular; 30–90 for a household about to enter housing), the household's answer
        // (3–14), the CAL (10–35), the lease (l, 7–30), the entry (e, 3–21), the end (x, 180–300
        // days in the flat: the seeds' 3 to 9 months after moving in, at least the 6 of the AVDL
        // agreement). Four scenarios lead from the first proposal to the lease, as
        // bench/households.sql: 1 (70 %) accepted and attributed (1 in 10 under condition); 2
        // (15 %) the household refuses the first flat and takes a second one; 3 (8 %) a CAL
        // refusal, then a second flat; 4 (7 %) a postponement, then an attribution of the same flat.
        // The fate: 4 % declined at orientation, 1 % withdrawn before acceptance, 7 % withdrawn on
        // the way (40 % between the diagnostic and the first proposal, 30 % while a candidate,
        // 30 % in the flat), 3 % ended before the flat (rehoused elsewhere), the rest ended after
        // 6–10 months in the flat: 90 % of those by the comité de suivi, on the day of its cell's
        // comité (one in 16 after a first proposal the bailleur objected to, the month before),
        // 10 % directly by the référente.
        // t: the day the path closes; h: the last day of it that is written (the close, or the
        // as-of day); er: the bilan de fin, 5–25 days before an end after the flat, or 3–20 days
        // before the comité that heard the objection. Droit au recommencement: 12 % of the
        // accompaniments closed in the flat (ended, or withdrawn there) reopen 30–150 days later
        // (ro), are diagnosed again 21–45 days after (rd), and end in comité 90–240 days after
        // that (rx, its bilan rer). fh: the last day written at all; open: accompanied (or
        // oriented) on the as-of day. AFFIL's publics and the household's size complete it.
        // Each step is a LATERAL with OFFSET 0: computed once, not once per later use.
        .init(
            "plan", [.work],
            """
            CREATE TEMP TABLE plan ON COMMIT DROP AS
            SELECT g.n, pg_temp.uid('household', g.n, 0) AS id, b.t0, b.pos, b.dk, b.dept, b.cday, b.landlord, b.officer,
                   b.officer_name, b.referent, b.referent_name, b.facilitator, b.iv, b.iv1, b.sc, b.fate, b.accepted, b.by_comite,
                   b.objection, b.wsub, b.a, o1.d, o1.c, o1.p1, o1.p1a, o2.p2, o3.p2a, o2.cal1, o3.cal2, o4.l, o4.e, o4.x,
                   o5.t, o5.terminal, o6.closed, o6.h, o6.er, o7.ro, o8.rd, o8.rx, o9.rer, o9.rh, coalesce(o9.rh, o6.h) AS fh,
                   CASE WHEN o7.ro IS NOT NULL THEN o8.rx > b.pos ELSE NOT o6.closed END AS open,
                   b.public, b.persons, b.persons >= 2 AND pg_temp.r(g.n, 32, 0, 99) < CASE b.public WHEN 'hotelFamily' THEN 45
                                                                                                     ELSE 20 END AS single_parent
            FROM syn s
            CROSS JOIN syn_input i
            CROSS JOIN generate_series(i.lo, i.hi) AS g (n)
            CROSS JOIN LATERAL (
                SELECT z.*,
                       CASE WHEN z.fr_fate < 40 THEN 'declined' WHEN z.fr_fate < 50 THEN 'withdrawnOriented'
                            WHEN z.fr_fate < 120 THEN 'withdrawn' WHEN z.fr_fate < 150 THEN 'endedEarly' ELSE 'ended' END AS fate,
                       z.fr_fate >= 50 AS accepted,
                       z.fr_fate >= 150 AND z.direct_r >= 10 AS by_comite,
                       z.fr_fate >= 150 AND z.direct_r >= 10 AND z.objection_r < 6 AS objection,
                       CASE WHEN z.sc_r < 70 THEN 1 WHEN z.sc_r < 85 THEN 2 WHEN z.sc_r < 93 THEN 3 ELSE 4 END AS sc,
                       CASE WHEN z.iv_r < 3 THEN 7 ELSE 14 END AS iv,
                       CASE WHEN z.iv1_r < 4 THEN 14 WHEN z.iv1_r < 8 THEN 21 ELSE 28 END AS iv1,
                       CASE WHEN z.pub_r < 45 THEN 'hotelFamily' WHEN z.pub_r < 65 THEN 'youngAdultLeavingAse'
                            WHEN z.pub_r < 80 THEN 'greatPrecarity' WHEN z.pub_r < 88 THEN 'aboutToEnterHousing'
                            WHEN z.pub_r < 95 THEN 'housedInRupture' ELSE 'totallyExcluded' END AS public,
                       CASE WHEN z.pub_r < 45 THEN 2 + pg_temp.r(g.n, 38, 0, 2) + pg_temp.r(g.n, 39, 0, 2)
                            WHEN z.pub_r < 65 THEN CASE WHEN pg_temp.r(g.n, 38, 0, 99) < 85 THEN 1 ELSE 2 END
                            WHEN z.pub_r < 88 THEN pg_temp.r(g.n, 38, 1, 4)
                            WHEN z.pub_r < 95 THEN pg_temp.r(g.n, 38, 1, 5)
                            ELSE CASE WHEN pg_temp.r(g.n, 38, 0, 99) < 80 THEN 1 ELSE 2 END END AS persons,
                       d.k AS dk, d.code AS dept, d.comite_day AS cday,
                       CASE d.landlord WHEN 1 THEN s.landlord_a ELSE s.landlord_b END AS landlord,
                       s.officers[d.landlord] AS officer, s.officer_names[d.landlord] AS officer_name,
                       s.workers[z.w] AS referent, s.worker_names[z.w] AS referent_name,
                       s.facilitators[1 + d.k % 2] AS facilitator
                FROM (SELECT w.t0, s.asof - w.t0 AS pos,
                             pg_temp.r(g.n, 2, 0, 999) AS fr_fate, pg_temp.r(g.n, 3, 0, 99) AS sc_r, pg_temp.r(g.n, 4, 7, 30) AS a,
                             pg_temp.r(g.n, 18, 0, 9) AS wsub, pg_temp.r(g.n, 19, 0, 999) / 1000.0 AS fr,
                             pg_temp.r(g.n, 20, 0, 99) AS direct_r, pg_temp.r(g.n, 21, 0, 99) AS objection_r,
                             pg_temp.r(g.n, 22, 0, 99) AS reopen_r, pg_temp.r(g.n, 27, 0, 99) AS dept_r,
                             pg_temp.r(g.n, 28, 1, 6) AS w, pg_temp.r(g.n, 29, 0, 99) AS pub_r, pg_temp.r(g.n, 40, 0, 9) AS iv_r,
                             pg_temp.r(g.n, 42, 0, 9) AS iv1_r
                      FROM (SELECT s.start + CASE WHEN pg_temp.r(g.n, 43, 0, 99) < 12 THEN pg_temp.r(g.n, 1, 0, 59)
                                                  ELSE pg_temp.r(g.n, 1, 0, 729) END AS t0) w
                      OFFSET 0) z
                JOIN syn_depts d ON z.dept_r >= d.lo AND z.dept_r < d.hi
                OFFSET 0) b
            CROSS JOIN LATERAL (
                SELECT b.a + q.gd AS d, b.a + q.gd + q.gc AS c, b.a + q.gd + q.gp1 AS p1, b.a + q.gd + q.gp1 + q.gp1a AS p1a
                FROM (SELECT pg_temp.r(g.n, 5, 21, 60) AS gd, pg_temp.r(g.n, 6, 0, 21) AS gc,
                             CASE WHEN b.public = 'aboutToEnterHousing' THEN 30 + pg_temp.r(g.n, 7, 0, 60)
                                  ELSE 30 + pg_temp.r(g.n, 7, 0, 120) + pg_temp.r(g.n, 8, 0, 120) END AS gp1,
                             pg_temp.r(g.n, 9, 3, 14) AS gp1a) q
                OFFSET 0) o1
            -- Scenario 2: the CAL examines the second flat; 3: the refusal, then the second flat's
            -- CAL; 4: the same file back 4–9 weeks after its postponement.
            CROSS JOIN LATERAL (
                SELECT CASE b.sc WHEN 2 THEN o1.p1a + pg_temp.r(g.n, 10, 20, 60) + pg_temp.r(g.n, 11, 3, 14) ELSE o1.p1a END
                           + pg_temp.r(g.n, 12, 10, 35) AS cal1,
                       CASE b.sc WHEN 2 THEN o1.p1a + pg_temp.r(g.n, 10, 20, 60)
                                 WHEN 3 THEN o1.p1a + pg_temp.r(g.n, 12, 10, 35) + pg_temp.r(g.n, 10, 20, 60) END AS p2
                OFFSET 0) o2
            CROSS JOIN LATERAL (
                SELECT o2.p2 + pg_temp.r(g.n, 11, 3, 14) AS p2a,
                       CASE b.sc WHEN 3 THEN o2.p2 + pg_temp.r(g.n, 11, 3, 14) + pg_temp.r(g.n, 13, 10, 35)
                                 WHEN 4 THEN o2.cal1 + pg_temp.r(g.n, 14, 28, 63) END AS cal2
                OFFSET 0) o3
            CROSS JOIN LATERAL (
                SELECT q.l, q.l + pg_temp.r(g.n, 16, 3, 21) AS e, q.l + pg_temp.r(g.n, 16, 3, 21) + pg_temp.r(g.n, 17, 180, 300) AS x
                FROM (SELECT coalesce(o3.cal2, o2.cal1) + pg_temp.r(g.n, 15, 7, 30) AS l) q
                OFFSET 0) o4
            CROSS JOIN LATERAL (
                SELECT CASE b.fate
                           WHEN 'declined' THEN b.a
                           WHEN 'withdrawnOriented' THEN b.a
                           WHEN 'withdrawn' THEN
                               CASE WHEN b.wsub < 4 THEN o1.d + 1 + floor(b.fr * (o1.p1 - o1.d - 1))::integer
                                    WHEN b.wsub < 7 THEN o1.p1 + 1 + floor(b.fr * (o4.l - o1.p1 - 1))::integer
                                    ELSE o4.e + 1 + floor(b.fr * 300)::integer END
                           WHEN 'endedEarly' THEN o1.p1 + 1 + floor(b.fr * (o4.l - o1.p1 - 1))::integer
                           ELSE CASE WHEN b.by_comite THEN pg_temp.cday(pg_temp.cidx(b.t0 + o4.x, b.cday), b.cday) - b.t0
                                     ELSE o4.x END
                       END AS t,
                       CASE WHEN b.fate = 'declined' THEN 'declined' WHEN b.fate LIKE 'withdrawn%' THEN 'withdrawn'
                            ELSE 'ended' END AS terminal
                OFFSET 0) o5
            CROSS JOIN LATERAL (
                SELECT o5.t <= b.pos AS closed, least(o5.t, b.pos) AS h,
                       CASE WHEN b.objection THEN (b.t0 + o5.t - interval '1 month')::date - b.t0 - pg_temp.r(g.n, 26, 3, 20)
                            WHEN b.fate = 'ended' THEN o5.t - pg_temp.r(g.n, 26, 5, 25) END AS er
                OFFSET 0) o6
            CROSS JOIN LATERAL (
                SELECT CASE WHEN o6.closed AND b.reopen_r < 12
                                 AND ((b.fate = 'ended' AND o5.t >= o4.e) OR (b.fate = 'withdrawn' AND b.wsub >= 7))
                                 AND o5.t + pg_temp.r(g.n, 23, 30, 150) <= b.pos
                            THEN o5.t + pg_temp.r(g.n, 23, 30, 150) END AS ro
                OFFSET 0) o7
            CROSS JOIN LATERAL (
                SELECT o7.ro + pg_temp.r(g.n, 24, 21, 45) AS rd,
                       pg_temp.cday(pg_temp.cidx(b.t0 + o7.ro + pg_temp.r(g.n, 24, 21, 45) + pg_temp.r(g.n, 25, 90, 240), b.cday),
                                    b.cday) - b.t0 AS rx
                OFFSET 0) o8
            CROSS JOIN LATERAL (
                SELECT o8.rx - pg_temp.r(g.n, 41, 5, 25) AS rer, least(o8.rx, b.pos) AS rh
                OFFSET 0) o9
            ORDER BY g.n
            """),
        .init(
            "plan.index", [.work],
            """
            CREATE UNIQUE INDEX ON plan (n)
            """),
        .init(
            "plan.analyze", [.work],
            """
            ANALYZE plan
            """),
    ]
}
