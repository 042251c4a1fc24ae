-- Meetings (rendez-vous) and aid of the accompaniment (issue 5). Each row carries its
-- author organisation and level (ACCESS.md §2); nobody edits another organisation's rows.

CREATE TABLE meetings (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind IN ('office', 'homeVisit', 'phone', 'accompanying', 'workshop', 'endReview')),
    status text NOT NULL CHECK (status IN ('planned', 'held', 'missed')),
    starts_at timestamptz NOT NULL,
    duration_minutes integer CHECK (duration_minutes BETWEEN 5 AND 600),
    -- That a meeting took place is for partners (it feeds the autonomy indicator); what was
    -- said is in meeting_notes, at its own level.
    level text NOT NULL DEFAULT 'partners' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (status = 'planned' OR duration_minutes IS NOT NULL OR status = 'missed')
);
CREATE INDEX meetings_household ON meetings (household_id, starts_at DESC);

CREATE TABLE meeting_notes (
    meeting_id uuid PRIMARY KEY REFERENCES meetings (id),
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    level text NOT NULL CHECK (level IN ('partners', 'secret', 'private'))
);

CREATE TABLE aids (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    author_organisation_id uuid NOT NULL REFERENCES organisations (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind IN ('fslAccess', 'locaPass', 'fslEnergyWater', 'foodAid', 'aplRecovery', 'other')),
    -- Euros as exact cents, never floating point; the ceiling catches typing errors.
    amount_cents bigint NOT NULL CHECK (amount_cents BETWEEN 0 AND 10000000),
    status text NOT NULL CHECK (status IN ('requested', 'granted', 'refused')),
    requested_on date NOT NULL,
    decided_on date CHECK (decided_on >= requested_on),
    -- Budget details are secret by default (ACCESS.md §2).
    level text NOT NULL DEFAULT 'secret' CHECK (level IN ('partners', 'secret', 'private')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'requested') = (decided_on IS NULL))
);
CREATE INDEX aids_household ON aids (household_id, requested_on DESC);

ALTER TABLE meetings ENABLE ROW LEVEL SECURITY;
ALTER TABLE meetings FORCE ROW LEVEL SECURITY;
ALTER TABLE meeting_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE meeting_notes FORCE ROW LEVEL SECURITY;
ALTER TABLE aids ENABLE ROW LEVEL SECURITY;
ALTER TABLE aids FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON meetings TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON meeting_notes TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON aids TO hub_owner USING (true) WITH CHECK (true);

CREATE POLICY level_reads ON meetings FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON meeting_notes FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
CREATE POLICY level_reads ON aids FOR SELECT TO hub_app
    USING (app_may_read(household_id, author_organisation_id, level));
-- R6, and "social workers write meetings and aid": through the door, in their own name.
CREATE POLICY social_work_writes ON meetings FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_door(household_id)
                AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))));
CREATE POLICY social_work_writes ON meeting_notes FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND app_door(household_id)
                AND EXISTS (SELECT 1 FROM meetings m WHERE m.id = meeting_id
                            AND m.author_organisation_id = (SELECT app_org_id())));
CREATE POLICY social_work_writes ON aids FOR INSERT TO hub_app
    WITH CHECK (author_organisation_id = (SELECT app_org_id()) AND author_user_id = (SELECT app_user_id())
                AND app_door(household_id)
                AND ((SELECT app_has_role('socialWorker')) OR (SELECT app_has_role('serviceHead'))));
GRANT SELECT, INSERT ON meetings, meeting_notes, aids TO hub_app;
