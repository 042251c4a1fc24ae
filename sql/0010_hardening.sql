-- Hardening after an outside attack and a fault-injection run (issue 13).

-- Sign-in throttling counts and checks in one atomic step. Counting first and recording
-- after the bcrypt comparison let 30 parallel attempts all pass the check: each counted
-- the failures recorded before any of them finished. Now an attempt takes the e-mail's and
-- the address's advisory locks (always in that order, so two attempts cannot deadlock),
-- counts, and if it may proceed records itself as a failure before it is judged; a
-- success then clears its own mark. A parallel attempt therefore sees every attempt
-- still under way. The locks are the transaction's, held for a few index reads only.
CREATE FUNCTION auth_begin_attempt(p_email text, p_address text, p_window interval,
                                   p_refuse_account integer, p_refuse_address integer)
RETURNS TABLE (attempt_id bigint, account_failures bigint, address_failures bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    account bigint;
    address bigint;
    recorded bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('sign-in e-mail'), hashtext(lower(p_email)));
    PERFORM pg_advisory_xact_lock(hashtext('sign-in address'), hashtext(p_address));
    SELECT f.account_failures, f.address_failures INTO account, address
    FROM auth_recent_failures(p_email, p_address, p_window) f;
    IF account < p_refuse_account AND address < p_refuse_address THEN
        INSERT INTO sign_in_attempts (email, address, succeeded) VALUES (lower(p_email), p_address, false)
        RETURNING sign_in_attempts.id INTO recorded;
    END IF;
    RETURN QUERY SELECT recorded, account, address;
END
$$;

-- The attempt's outcome: a success is no longer counted as a failure.
CREATE FUNCTION auth_finish_attempt(p_attempt_id bigint, p_succeeded boolean) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ UPDATE sign_in_attempts SET succeeded = p_succeeded WHERE id = p_attempt_id $$;

DROP FUNCTION auth_record_attempt(text, text, boolean, interval);

REVOKE ALL ON FUNCTION auth_begin_attempt(text, text, interval, integer, integer),
    auth_finish_attempt(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_begin_attempt(text, text, interval, integer, integer),
    auth_finish_attempt(bigint, boolean) TO hub_app;

-- The access log shown to a household's lead organisation names each record by its own
-- hash, not by the log's global identity: two reads of a household's log a day apart
-- would otherwise tell how much the whole hub did in between. Pages follow (at, hash).
DROP FUNCTION audit_access_log(uuid, bigint, integer);
CREATE FUNCTION audit_access_log(h uuid, p_before_micros bigint, p_before_hash bytea, p_limit integer)
RETURNS TABLE (hash bytea, at timestamptz, at_micros bigint, user_id uuid, user_name text, organisation_id uuid,
               organisation_name text, action text, levels text[], outcome text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT a.hash, a.at, (extract(epoch FROM a.at) * 1000000)::bigint, a.user_id, u.display_name, a.organisation_id,
          o.name, a.action, a.levels, a.outcome
   FROM audit_log a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN organisations o ON o.id = a.organisation_id
   WHERE app_bound() AND app_works_on_households() AND app_is_lead(h)
     AND a.household_ids @> ARRAY[h]
     AND (p_before_micros IS NULL
          OR (a.at, a.hash) < (timestamptz 'epoch' + p_before_micros * interval '1 microsecond', p_before_hash))
   ORDER BY a.at DESC, a.hash DESC LIMIT p_limit $$;
REVOKE ALL ON FUNCTION audit_access_log(uuid, bigint, bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_access_log(uuid, bigint, bytea, integer) TO hub_app;

-- A live dispatcher renews the lease of the deliveries it is still sending, so that a slow
-- receiver (or a busy machine) never lets another dispatcher claim and send them again.
-- Only claims still its own are renewed: same attempt, still sending.
CREATE FUNCTION notify_renew(p_ids uuid[], p_attempts integer[], p_lease interval) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
    WITH renewed AS (
        UPDATE notify_deliveries d SET lease_until = now() + p_lease
        FROM unnest(p_ids, p_attempts) AS held (id, attempt)
        WHERE d.id = held.id AND d.attempts = held.attempt AND d.status = 'sending'
        RETURNING 1)
    SELECT count(*)::integer FROM renewed
$$;
REVOKE ALL ON FUNCTION notify_renew(uuid[], integer[], interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION notify_renew(uuid[], integer[], interval) TO hub_app;
