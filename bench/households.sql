-- Generated households for the benchmarks, on top of the demo data (hub seed-demo):
-- :households households of the demo programme, led by ALFI (référente Claire Martin),
-- oriented by the Croix-Rouge, followed by Antin Résidences with a `partners` consent,
-- each with 2–4 persons, a validated diagnostic (every item assessed and commented, the
-- person's view on each section, préconisations) and 5 notes at mixed levels.
-- Run as the owner: psql -v households=10000 -f bench/households.sql
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE ids AS
SELECT (SELECT id FROM programmes WHERE name = 'Logements Hlm accompagnés 2024–2025') AS programme,
       (SELECT id FROM organisations WHERE name = 'ALFI') AS alfi,
       (SELECT id FROM organisations WHERE name = 'Croix-Rouge française') AS crf,
       (SELECT id FROM organisations WHERE name = 'Antin Résidences') AS antin,
       (SELECT id FROM users WHERE email = 'claire.martin@alfi.demo') AS claire,
       (SELECT id FROM users WHERE email = 'nadia.benali@croix-rouge.demo') AS nadia;

CREATE TEMP TABLE generated AS
-- Ids derived from n, so that the benchmark's clients (wrk and pgbench) can name any of them.
SELECT md5('bench-' || n)::uuid AS id, n FROM generate_series(1, :households) AS n;

INSERT INTO households (id, reference, programme_id, status, oriented_by, lead_organisation_id, referent_user_id,
    referent_name, single_parent, current_situation, situation_since, public, dalo_recognised_on, dalo_departement,
    action_logement_employee, resources_category, created_at, last_contact_at)
SELECT g.id, 'B-' || lpad(g.n::text, 8, '0'), ids.programme, 'accepted', ids.crf, ids.alfi, ids.claire,
       'Claire Martin', g.n % 3 = 0,
       (ARRAY['hotel', 'socialResidence', 'chrs', 'hostedByThirdParty'])[1 + g.n % 4],
       date '2019-01-01' + (g.n % 1500), (ARRAY['hotelFamily', 'youngAdultLeavingAse', 'greatPrecarity'])[1 + g.n % 3],
       CASE WHEN g.n % 2 = 0 THEN date '2021-01-01' + (g.n % 900) END, CASE WHEN g.n % 2 = 0 THEN '91' END,
       g.n % 5 = 0, (ARRAY['employment', 'transferIncome', 'minimaSociaux'])[1 + g.n % 3],
       now() - (g.n % 700) * interval '1 day', now()
FROM generated g, ids;

INSERT INTO household_persons (id, household_id, position, first_name, last_name, birth_date, relation)
SELECT gen_random_uuid(), g.id, p, 'Prénom' || p, 'Nom' || g.n,
       CASE WHEN p = 0 THEN date '1975-01-01' + (g.n % 8000) ELSE date '2008-01-01' + ((g.n * p) % 5000) END,
       CASE WHEN p = 0 THEN 'applicant' ELSE 'child' END
FROM generated g, generate_series(0, 1 + g.n % 3) AS p;

INSERT INTO care_team (household_id, organisation_id)
SELECT g.id, o FROM generated g, ids, unnest(ARRAY[ids.alfi, ids.crf, ids.antin]) AS o;

INSERT INTO consents (id, household_id, recipient_organisation_id, level, purpose, obtained_how,
    informed_of_categories, informed_of_professionals, informed_of_medium, informed_of_protection,
    given_at, expires_at, recorded_by, recorded_by_organisation_id)
SELECT gen_random_uuid(), g.id, r.org, r.level, 'Accompagnement vers et dans le logement', 'writtenSigned',
       true, true, true, true, now() - interval '1 month', now() + interval '11 months', ids.nadia, ids.crf
FROM generated g, ids,
     LATERAL (VALUES (ids.crf, 'secret'), (ids.alfi, 'secret'), (ids.antin, 'partners')) AS r(org, level);

INSERT INTO diagnostics (id, household_id, version, status, author_organisation_id, referent_name, created_by,
    created_at, updated_at, validated_at, validated_by)
SELECT gen_random_uuid(), g.id, 1, 'validated', ids.alfi, 'Claire Martin', ids.claire,
       now() - interval '20 days', now() - interval '20 days', now() - interval '19 days', ids.claire
FROM generated g, ids;

CREATE TEMP TABLE items (code text, n int);
INSERT INTO items VALUES ('PL-1', 1), ('PL-2', 2), ('PL-3', 3), ('SL-1', 4), ('SL-2', 5), ('SL-3', 6), ('SL-4', 7),
    ('SL-5', 8), ('SL-6', 9), ('SL-7', 10), ('SH-1', 11), ('SH-2', 12), ('SH-3', 13), ('SE-1', 14), ('SE-2', 15),
    ('SE-3', 16), ('BA-1', 17), ('BA-2', 18), ('BA-3', 19), ('BA-4', 20);

INSERT INTO diagnostic_entries (diagnostic_id, household_id, author_organisation_id, kind, code, value, level)
SELECT d.id, d.household_id, d.author_organisation_id, e.kind, e.code, e.value, e.level
FROM diagnostics d, ids,
     LATERAL (
         SELECT 'assessment', i.code,
                (ARRAY['acquis', 'enCours', 'soutienNecessaire', 'nonEvalue'])[1 + (i.n + length(d.id::text)) % 4],
                'partners'
         FROM items i
         UNION ALL
         SELECT 'comment', i.code, 'Commentaire de la référente sur ' || i.code || ', appuyé sur les entretiens.',
                CASE WHEN i.n % 7 = 0 THEN 'private' ELSE 'secret' END
         FROM items i
         UNION ALL
         SELECT 'view', s, 'Point de vue de la personne sur cette section.', 'secret'
         FROM unnest(ARRAY['PL', 'SL', 'SH', 'SE', 'BA']) AS s
         UNION ALL
         SELECT 'preconisations', '', 'Accompagnement ASLL de 12 mois, visites à domicile tous les quinze jours.', 'secret'
     ) AS e(kind, code, value, level)
WHERE d.household_id IN (SELECT id FROM generated);

INSERT INTO notes (id, household_id, author_organisation_id, author_user_id, author_name, written_at, body, level)
SELECT gen_random_uuid(), g.id, ids.alfi, ids.claire, 'Claire Martin', now() - k * interval '3 days',
       'Entretien au bureau : point sur le budget et les démarches en cours.',
       (ARRAY['partners', 'secret', 'secret', 'private', 'partners'])[k]
FROM generated g, ids, generate_series(1, 5) AS k;

COMMIT;
ANALYZE households, household_persons, care_team, consents, diagnostics, diagnostic_entries, notes;
