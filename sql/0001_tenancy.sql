-- Tenancy: organisations, programmes and their partners, users, memberships, sessions,
-- sign-in attempts. Row level security is enabled and forced on every table: the runtime
-- role `hub_app` sees only what the per-transaction settings (app.user_id, app.org_id,
-- app.roles, app.bound) allow; with no settings it sees nothing and writes nothing.
-- The owner `hub_owner` (migrations, operator commands) has an explicit policy of its own,
-- so FORCE applies to it too and nothing bypasses the policies silently.

-- The actor of the current transaction. Empty or missing settings give NULL, and NULL
-- matches no row.
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app_org_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;
CREATE FUNCTION app_roles() RETURNS text[] LANGUAGE sql STABLE AS
$$ SELECT string_to_array(NULLIF(current_setting('app.roles', true), ''), ',') $$;
CREATE FUNCTION app_has_role(role text) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(role = ANY(app_roles()), false) $$;
CREATE FUNCTION app_bound() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(NULLIF(current_setting('app.bound', true), '')::boolean, false) $$;

CREATE TABLE organisations (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('supportOperator', 'socialLandlord', 'shelterProvider',
                                       'departement', 'actionLogement', 'state')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE programmes (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    starts_on date NOT NULL,
    ends_on date NOT NULL CHECK (ends_on >= starts_on),
    yearly_budget_euros numeric(12, 2) NOT NULL CHECK (yearly_budget_euros >= 0),
    target_households integer NOT NULL CHECK (target_households >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per part: ALFI can be both porteur and opérateur of the same programme.
CREATE TABLE programme_partners (
    programme_id uuid NOT NULL REFERENCES programmes (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    part text NOT NULL CHECK (part IN ('holder', 'operator', 'referrer', 'landlord', 'funder', 'evaluator')),
    PRIMARY KEY (programme_id, organisation_id, part)
);
CREATE INDEX programme_partners_organisation ON programme_partners (organisation_id);

-- A user is a person; what they may do comes from their memberships.
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE memberships (
    user_id uuid NOT NULL REFERENCES users (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['socialWorker', 'serviceHead',
        'housingOfficer', 'facilitator', 'evaluator', 'orgAdmin']),
    bound_by_secret boolean NOT NULL,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_organisation ON memberships (organisation_id);

-- Only the SHA-256 of a token is stored: a copy of the table opens no session.
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    FOREIGN KEY (user_id, organisation_id) REFERENCES memberships (user_id, organisation_id)
);
CREATE INDEX sessions_member ON sessions (organisation_id, user_id) WHERE revoked_at IS NULL;

-- Failed and successful sign-ins, per e-mail and per client address, for throttling.
-- The password is never stored, not even wrong ones.
CREATE TABLE sign_in_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    address text NOT NULL,
    succeeded boolean NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_email ON sign_in_attempts (email, attempted_at);
CREATE INDEX sign_in_attempts_address ON sign_in_attempts (address, attempted_at);

-- The programmes the acting organisation is a partner of. SECURITY DEFINER (as the owner,
-- whose policy sees every row) so that policies can use it without recursing into
-- programme_partners' own policy.
CREATE FUNCTION app_programme_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT DISTINCT programme_id FROM programme_partners WHERE organisation_id = app_org_id() $$;

ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
ALTER TABLE programmes ENABLE ROW LEVEL SECURITY;
ALTER TABLE programmes FORCE ROW LEVEL SECURITY;
ALTER TABLE programme_partners ENABLE ROW LEVEL SECURITY;
ALTER TABLE programme_partners FORCE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE sign_in_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_attempts FORCE ROW LEVEL SECURITY;

-- The platform operator (command line, as the owner) manages everything.
CREATE POLICY operator ON organisations TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON programmes TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON programme_partners TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON users TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON memberships TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON sessions TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY operator ON sign_in_attempts TO hub_owner USING (true) WITH CHECK (true);

-- An organisation sees itself and its partners in shared programmes.
CREATE POLICY member_reads ON organisations FOR SELECT TO hub_app USING (
    id = app_org_id()
    OR id IN (SELECT organisation_id FROM programme_partners WHERE programme_id IN (SELECT app_programme_ids())));
CREATE POLICY partner_reads ON programmes FOR SELECT TO hub_app
    USING (id IN (SELECT app_programme_ids()));
CREATE POLICY partner_reads ON programme_partners FOR SELECT TO hub_app
    USING (programme_id IN (SELECT app_programme_ids()));

-- Users and memberships: an organisation sees its own members; only its orgAdmin adds
-- or disables them. A new user row is invisible until its membership exists, so the API
-- inserts both without RETURNING.
CREATE POLICY colleague_reads ON users FOR SELECT TO hub_app USING (
    id = app_user_id()
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.organisation_id = app_org_id()));
CREATE POLICY admin_adds ON users FOR INSERT TO hub_app WITH CHECK (app_has_role('orgAdmin'));
-- Settings in sub-selects: read once per query, and the organisation index applies.
CREATE POLICY colleague_reads ON memberships FOR SELECT TO hub_app USING (organisation_id = (SELECT app_org_id()));
CREATE POLICY admin_adds ON memberships FOR INSERT TO hub_app
    WITH CHECK (organisation_id = app_org_id() AND app_has_role('orgAdmin'));
CREATE POLICY admin_disables ON memberships FOR UPDATE TO hub_app
    USING (organisation_id = app_org_id() AND app_has_role('orgAdmin'))
    WITH CHECK (organisation_id = app_org_id());

-- Sessions: a user sees and revokes their own; an orgAdmin revokes those of their members.
CREATE POLICY own_reads ON sessions FOR SELECT TO hub_app USING (
    organisation_id = app_org_id() AND (user_id = app_user_id() OR app_has_role('orgAdmin')));
CREATE POLICY own_revokes ON sessions FOR UPDATE TO hub_app
    USING (organisation_id = app_org_id() AND (user_id = app_user_id() OR app_has_role('orgAdmin')))
    WITH CHECK (organisation_id = app_org_id());

-- Signing in happens before there is an actor: these three functions are the only ways in,
-- each doing one narrow thing as the owner.

-- The password hash of an e-mail, verified by the server (bcrypt).
CREATE FUNCTION auth_password_hash(p_email text) RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT id, password_hash FROM users WHERE email = lower(p_email) $$;

-- Opens a session for an active membership; returns nothing if there is none.
CREATE FUNCTION auth_open_session(p_user_id uuid, p_org_id uuid, p_token_hash bytea, p_lifetime interval)
RETURNS TABLE (session_id uuid, expires_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ INSERT INTO sessions (id, token_hash, user_id, organisation_id, expires_at)
   SELECT gen_random_uuid(), p_token_hash, m.user_id, m.organisation_id, now() + p_lifetime
   FROM memberships m
   WHERE m.user_id = p_user_id AND m.organisation_id = p_org_id AND m.disabled_at IS NULL
   RETURNING id, expires_at $$;

-- The actor behind a token, if the session is neither revoked, idle nor expired and the
-- membership is still active. last_seen_at is refreshed at most once a minute to spare
-- a write on every request; the idle timeout is therefore exact to the minute.
CREATE FUNCTION auth_session(p_token_hash bytea, p_idle interval)
RETURNS TABLE (session_id uuid, user_id uuid, organisation_id uuid, roles text[], bound_by_secret boolean,
               expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    RETURN QUERY
    WITH live AS (
        SELECT s.id, s.user_id, s.organisation_id, s.expires_at, s.last_seen_at
        FROM sessions s
        WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL
          AND s.expires_at > now() AND s.last_seen_at > now() - p_idle
    ), touched AS (
        UPDATE sessions s SET last_seen_at = now()
        FROM live WHERE s.id = live.id AND live.last_seen_at < now() - interval '1 minute'
    )
    SELECT live.id, live.user_id, live.organisation_id, m.roles, m.bound_by_secret, live.expires_at
    FROM live JOIN memberships m ON m.user_id = live.user_id AND m.organisation_id = live.organisation_id
    WHERE m.disabled_at IS NULL;
END
$$;

-- The failures of an e-mail and of an address in the window. Checked before verifying a
-- password, so that a refused address does not even get a bcrypt comparison.
CREATE FUNCTION auth_recent_failures(p_email text, p_address text, p_window interval)
RETURNS TABLE (account_failures bigint, address_failures bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT
     (SELECT count(*) FROM sign_in_attempts a WHERE a.email = lower(p_email) AND NOT a.succeeded
        AND a.attempted_at > now() - p_window),
     (SELECT count(*) FROM sign_in_attempts a WHERE a.address = p_address AND NOT a.succeeded
        AND a.attempted_at > now() - p_window) $$;

-- Records a sign-in attempt and answers the failures so far, this one included.
CREATE FUNCTION auth_record_attempt(p_email text, p_address text, p_succeeded boolean, p_window interval)
RETURNS TABLE (account_failures bigint, address_failures bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    INSERT INTO sign_in_attempts (email, address, succeeded) VALUES (lower(p_email), p_address, p_succeeded);
    RETURN QUERY SELECT * FROM auth_recent_failures(p_email, p_address, p_window);
END
$$;

REVOKE ALL ON FUNCTION auth_password_hash(text), auth_open_session(uuid, uuid, bytea, interval),
    auth_session(bytea, interval), auth_record_attempt(text, text, boolean, interval),
    auth_recent_failures(text, text, interval), app_programme_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_password_hash(text), auth_open_session(uuid, uuid, bytea, interval),
    auth_session(bytea, interval), auth_record_attempt(text, text, boolean, interval),
    auth_recent_failures(text, text, interval), app_programme_ids() TO hub_app;

GRANT SELECT ON organisations, programmes, programme_partners TO hub_app;
GRANT SELECT, INSERT ON users TO hub_app;
GRANT SELECT, INSERT, UPDATE (disabled_at) ON memberships TO hub_app;
GRANT SELECT, UPDATE (revoked_at) ON sessions TO hub_app;
GRANT SELECT ON schema_migrations TO hub_app;
