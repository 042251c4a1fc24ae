-- A cell's comités as an iCalendar feed (issue 21), for a member's diary: a secret address
-- per person and cell, that the person revokes from the cell's page. The feed names comités
-- and their days, never a household. Only the SHA-256 of the address's token is stored, as
-- for sessions: a copy of the table opens no feed.
CREATE TABLE calendar_feeds (
    id uuid PRIMARY KEY,
    cell_id uuid NOT NULL REFERENCES coordination_cells (id),
    user_id uuid NOT NULL REFERENCES users (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
-- One live address per person, organisation and cell: a new one revokes the previous one.
CREATE UNIQUE INDEX calendar_feeds_live ON calendar_feeds (cell_id, user_id, organisation_id)
    WHERE revoked_at IS NULL;

ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON calendar_feeds TO hub_owner USING (true) WITH CHECK (true);
-- A member of the cell sees, opens and revokes their own addresses only.
CREATE POLICY own_reads ON calendar_feeds FOR SELECT TO hub_app
    USING (user_id = app_user_id() AND organisation_id = app_org_id());
CREATE POLICY own_opens ON calendar_feeds FOR INSERT TO hub_app
    WITH CHECK (user_id = app_user_id() AND organisation_id = app_org_id() AND app_cell_member(cell_id)
                AND revoked_at IS NULL);
CREATE POLICY own_revokes ON calendar_feeds FOR UPDATE TO hub_app
    USING (user_id = app_user_id() AND organisation_id = app_org_id())
    WITH CHECK (user_id = app_user_id() AND organisation_id = app_org_id() AND revoked_at IS NOT NULL);
GRANT SELECT, INSERT ON calendar_feeds TO hub_app;
GRANT UPDATE (revoked_at) ON calendar_feeds TO hub_app;

-- The feed read without a session, by its token's hash: the cell's name and its comités (one
-- row with no comité for a cell that has none yet), while the address is live and its person
-- may still read the cell: an active membership of an organisation of the cell, with a role
-- that works on households (app_cell_member's rule). No row otherwise, exactly as for an
-- unknown address.
CREATE FUNCTION calendar_feed(p_token_hash bytea)
RETURNS TABLE (cell_name text, comite_id uuid, reference text, kind text, held_on date, status text,
               updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT c.name, k.id, k.reference, k.kind, k.held_on, k.status,
          greatest(k.created_at, k.published_at, k.held_at, k.validated_at, k.diffused_at, k.cancelled_at,
                   (SELECT max(r.recorded_at) FROM comite_reschedules r WHERE r.comite_id = k.id))
   FROM calendar_feeds f
   JOIN coordination_cells c ON c.id = f.cell_id
   JOIN memberships m ON m.user_id = f.user_id AND m.organisation_id = f.organisation_id AND m.disabled_at IS NULL
   LEFT JOIN comites k ON k.cell_id = f.cell_id
   WHERE f.token_hash = p_token_hash AND f.revoked_at IS NULL
     AND m.roles && ARRAY['socialWorker', 'serviceHead', 'housingOfficer', 'facilitator']
     AND EXISTS (SELECT 1 FROM cell_organisations o WHERE o.cell_id = f.cell_id AND o.organisation_id = f.organisation_id)
   ORDER BY k.held_on, k.id $$;

REVOKE ALL ON FUNCTION calendar_feed(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION calendar_feed(bytea) TO hub_app;
