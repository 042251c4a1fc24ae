-- Accounts that administrators cannot take over, and sessions their owners control (issue 15,
-- ACCESS.md §1). An orgAdmin invites; the person sets their own password through a single-use
-- link sent by e-mail (72 h), or, if they already have an account, accepts the new membership
-- once signed in. The admin's answer is the same either way. The bound-by-secret mark needs
-- two people: the admin proposes it, a bound service head of the organisation confirms it.

CREATE TABLE invitations (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    -- What the admin typed: shown to the admin, used for a new account, never compared with
    -- a known person's own name (that would tell the admin the address is known).
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['socialWorker', 'serviceHead',
        'housingOfficer', 'facilitator', 'evaluator', 'orgAdmin']),
    bound_proposed boolean NOT NULL,
    invited_by uuid NOT NULL REFERENCES users (id),
    -- Only the SHA-256 of the link's token is kept.
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    withdrawn_at timestamptz
);
CREATE INDEX invitations_organisation ON invitations (organisation_id, created_at);
CREATE INDEX invitations_email ON invitations (email) WHERE accepted_at IS NULL AND withdrawn_at IS NULL;

-- Until enrolment a person has no password: nobody can sign in as them.
ALTER TABLE memberships
    ADD COLUMN bound_proposed_by uuid REFERENCES users (id),
    ADD COLUMN bound_proposed_at timestamptz,
    ADD COLUMN bound_confirmed_by uuid REFERENCES users (id),
    ADD COLUMN bound_confirmed_at timestamptz;

-- A coarse description of the client a session was opened from ("Firefox sur Linux",
-- "client API"): enough for a person to recognise their sessions, never the raw User-Agent.
ALTER TABLE sessions ADD COLUMN client text NOT NULL DEFAULT 'inconnu' CHECK (length(client) <= 100);

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON invitations TO hub_owner USING (true) WITH CHECK (true);
-- An orgAdmin sees and withdraws their organisation's invitations; they are created only
-- through account_invite() below.
CREATE POLICY admin_reads ON invitations FOR SELECT TO hub_app
    USING (organisation_id = (SELECT app_org_id()) AND app_has_role('orgAdmin'));
CREATE POLICY admin_withdraws ON invitations FOR UPDATE TO hub_app
    USING (organisation_id = app_org_id() AND app_has_role('orgAdmin'))
    WITH CHECK (organisation_id = app_org_id());
GRANT SELECT, UPDATE (withdrawn_at) ON invitations TO hub_app;

-- The runtime never makes a membership bound, nor one at all: only the functions below
-- (SECURITY DEFINER, running as the owner) and the operator do. A bug in Swift, or an admin
-- with SQL, cannot mark anyone bound by secret alone.
CREATE FUNCTION membership_guard() RETURNS trigger LANGUAGE plpgsql AS
$$
BEGIN
    IF current_user = 'hub_app' THEN
        IF TG_OP = 'INSERT' THEN
            RAISE EXCEPTION 'une adhésion se crée par invitation';
        END IF;
        IF NEW.bound_by_secret AND NOT OLD.bound_by_secret
           OR NEW.bound_confirmed_by IS DISTINCT FROM OLD.bound_confirmed_by
           OR NEW.bound_confirmed_at IS DISTINCT FROM OLD.bound_confirmed_at
           OR NEW.roles IS DISTINCT FROM OLD.roles THEN
            RAISE EXCEPTION 'le secret professionnel se confirme par un chef de service tenu au secret';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER membership_guard BEFORE INSERT OR UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION membership_guard();
DROP POLICY admin_adds ON memberships;
DROP POLICY admin_adds ON users;
REVOKE INSERT ON users, memberships FROM hub_app;
-- The admin proposes the mark, or removes it (the guard lets only false through).
GRANT UPDATE (bound_by_secret, bound_proposed_by, bound_proposed_at) ON memberships TO hub_app;

-- Invites `p_email` to the acting organisation, for an orgAdmin. The same whether the address
-- is known or not: an invitation, an e-mail with the link to the address. Only a person
-- already a member of this organisation is refused ('member'), which the admin sees anyway.
-- The link's path holds the token (the database keeps only its hash in the invitation): it
-- waits in the outbox until the e-mail is sent.
CREATE FUNCTION account_invite(p_id uuid, p_email text, p_display_name text, p_roles text[],
                               p_bound_proposed boolean, p_token_hash bytea, p_link_path text,
                               p_lifetime interval)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    event uuid := gen_random_uuid();
BEGIN
    IF NOT app_has_role('orgAdmin') OR app_org_id() IS NULL THEN
        RETURN 'forbidden';
    END IF;
    IF EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
               WHERE u.email = lower(p_email) AND m.organisation_id = app_org_id()) THEN
        RETURN 'member';
    END IF;
    INSERT INTO invitations (id, organisation_id, email, display_name, roles, bound_proposed, invited_by,
                             token_hash, expires_at)
    VALUES (p_id, app_org_id(), lower(p_email), p_display_name, p_roles, p_bound_proposed, app_user_id(),
            p_token_hash, now() + p_lifetime);
    INSERT INTO notify_events (id, topic, organisation_id, reference, link_path, fanned_out_at)
    VALUES (event, 'invitation', app_org_id(), 'invitation', p_link_path, now());
    INSERT INTO notify_deliveries (id, event_id, channel, topic, organisation_id, recipient_email)
    VALUES (gen_random_uuid(), event, 'email', 'invitation', app_org_id(), lower(p_email));
    RETURN 'invited';
END
$$;

-- What a link opens, for whoever holds it: the organisation, the name and roles proposed, and
-- whether the address already has an account (the holder controls the address). Nothing for
-- a link used, expired, withdrawn or unknown.
CREATE FUNCTION account_invitation(p_token_hash bytea)
RETURNS TABLE (organisation_name text, display_name text, roles text[], expires_at timestamptz, known boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT o.name, i.display_name, i.roles, i.expires_at, EXISTS (SELECT 1 FROM users u WHERE u.email = i.email)
   FROM invitations i JOIN organisations o ON o.id = i.organisation_id
   WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL AND i.expires_at > now() $$;

-- Enrolment: the person behind a valid link sets their password; their account and
-- membership are made, not bound (a proposal of the admin waits for a service head), and
-- the link is spent. NULL when the link does not open (used, expired, withdrawn, unknown)
-- or the address already has an account (that person accepts once signed in).
CREATE FUNCTION account_enrol(p_token_hash bytea, p_password_hash text)
RETURNS TABLE (user_id uuid, organisation_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    i invitations;
    person uuid := gen_random_uuid();
BEGIN
    SELECT * INTO i FROM invitations
    WHERE token_hash = p_token_hash AND accepted_at IS NULL AND withdrawn_at IS NULL AND expires_at > now()
    FOR UPDATE;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM users u WHERE u.email = i.email) THEN
        RETURN;
    END IF;
    INSERT INTO users (id, email, display_name, password_hash) VALUES (person, i.email, i.display_name, p_password_hash);
    INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret, bound_proposed_by, bound_proposed_at)
    VALUES (person, i.organisation_id, i.roles, false,
            CASE WHEN i.bound_proposed THEN i.invited_by END, CASE WHEN i.bound_proposed THEN now() END);
    UPDATE invitations SET accepted_at = now() WHERE id = i.id;
    RETURN QUERY SELECT person, i.organisation_id;
END
$$;

-- The invitations waiting for the signed-in person (by their address), in any organisation.
CREATE FUNCTION account_offers()
RETURNS TABLE (id uuid, organisation_id uuid, organisation_name text, roles text[], expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT i.id, i.organisation_id, o.name, i.roles, i.expires_at
   FROM invitations i JOIN organisations o ON o.id = i.organisation_id JOIN users u ON u.email = i.email
   WHERE u.id = app_user_id() AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL AND i.expires_at > now()
     AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organisation_id = i.organisation_id)
   ORDER BY i.created_at $$;

-- The signed-in person accepts one of their offers: a new membership, not bound.
CREATE FUNCTION account_accept(p_invitation uuid) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    i invitations;
BEGIN
    SELECT inv.* INTO i FROM invitations inv JOIN users u ON u.email = inv.email
    WHERE inv.id = p_invitation AND u.id = app_user_id()
      AND inv.accepted_at IS NULL AND inv.withdrawn_at IS NULL AND inv.expires_at > now()
    FOR UPDATE OF inv;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM memberships m
                            WHERE m.user_id = app_user_id() AND m.organisation_id = i.organisation_id) THEN
        RETURN NULL;
    END IF;
    INSERT INTO memberships (user_id, organisation_id, roles, bound_by_secret, bound_proposed_by, bound_proposed_at)
    VALUES (app_user_id(), i.organisation_id, i.roles, false,
            CASE WHEN i.bound_proposed THEN i.invited_by END, CASE WHEN i.bound_proposed THEN now() END);
    UPDATE invitations SET accepted_at = now() WHERE id = i.id;
    RETURN i.organisation_id;
END
$$;

-- A service head bound by secret confirms a colleague's proposed mark: never their own, never
-- one they proposed themselves (two people, always).
CREATE FUNCTION membership_confirm_bound(p_user uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
BEGIN
    IF NOT (app_has_role('serviceHead') AND app_bound()) OR p_user = app_user_id() THEN
        RETURN false;
    END IF;
    UPDATE memberships
    SET bound_by_secret = true, bound_confirmed_by = app_user_id(), bound_confirmed_at = now()
    WHERE user_id = p_user AND organisation_id = app_org_id() AND disabled_at IS NULL
      AND bound_proposed_at IS NOT NULL AND NOT bound_by_secret
      AND bound_proposed_by IS DISTINCT FROM app_user_id();
    RETURN FOUND;
END
$$;

-- The operator's accounts (CLI, password on stdin) and the demo's stay as they were: made by
-- the owner, whom the guard lets through.

REVOKE ALL ON FUNCTION account_invite(uuid, text, text, text[], boolean, bytea, text, interval),
    account_invitation(bytea), account_enrol(bytea, text), account_offers(), account_accept(uuid),
    membership_confirm_bound(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION account_invite(uuid, text, text, text[], boolean, bytea, text, interval),
    account_invitation(bytea), account_enrol(bytea, text), account_offers(), account_accept(uuid),
    membership_confirm_bound(uuid) TO hub_app;

-- Sessions remember a coarse description of their client, given at sign-in.
DROP FUNCTION auth_open_session(uuid, uuid, bytea, interval);
CREATE FUNCTION auth_open_session(p_user_id uuid, p_org_id uuid, p_token_hash bytea, p_lifetime interval,
                                  p_client text DEFAULT 'inconnu')
RETURNS TABLE (session_id uuid, expires_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ INSERT INTO sessions (id, token_hash, user_id, organisation_id, expires_at, client)
   SELECT gen_random_uuid(), p_token_hash, m.user_id, m.organisation_id, now() + p_lifetime, left(p_client, 100)
   FROM memberships m
   WHERE m.user_id = p_user_id AND m.organisation_id = p_org_id AND m.disabled_at IS NULL
   RETURNING id, expires_at $$;
REVOKE ALL ON FUNCTION auth_open_session(uuid, uuid, bytea, interval, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_open_session(uuid, uuid, bytea, interval, text) TO hub_app;
