-- Signing in to the console (issue 20): a person with several memberships chooses the
-- organisation they act for once their password is checked. Between the two steps the hub
-- holds a sign-in ticket: a random secret (only its hash is stored) naming the user, valid
-- five minutes and used once. Nothing else is kept between the steps, so any hub process
-- can serve the second one.
CREATE TABLE sign_in_tickets (
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL
);
ALTER TABLE sign_in_tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_tickets FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON sign_in_tickets TO hub_owner USING (true) WITH CHECK (true);

-- The organisations a user may act for, once their password has been checked.
CREATE FUNCTION auth_memberships(p_user_id uuid) RETURNS TABLE (organisation_id uuid, organisation_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT o.id, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id
   WHERE m.user_id = p_user_id AND m.disabled_at IS NULL ORDER BY o.name, o.id $$;

-- Opens a ticket; the expired ones go at the same time.
CREATE FUNCTION auth_open_ticket(p_user_id uuid, p_token_hash bytea, p_lifetime interval) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ DELETE FROM sign_in_tickets WHERE expires_at < now();
   INSERT INTO sign_in_tickets (token_hash, user_id, expires_at) VALUES (p_token_hash, p_user_id, now() + p_lifetime) $$;

-- Takes a ticket once: its user if it is live, nothing otherwise.
CREATE FUNCTION auth_take_ticket(p_token_hash bytea) RETURNS TABLE (user_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ DELETE FROM sign_in_tickets t WHERE t.token_hash = p_token_hash RETURNING
   CASE WHEN t.expires_at > now() THEN t.user_id END $$;

REVOKE ALL ON FUNCTION auth_memberships(uuid), auth_open_ticket(uuid, bytea, interval), auth_take_ticket(bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_memberships(uuid), auth_open_ticket(uuid, bytea, interval), auth_take_ticket(bytea)
    TO hub_app;
