-- Regroupements (issue 22, pooling): programmes whose indicators an evaluator reads together,
-- as the DRIHL reads a region's. A pool's cells are the sums of its programmes' and are
-- released beside them (DisclosureControl.release(pool:threshold:members:)). That control
-- holds only if a reader cannot subtract one pool from another: a programme belongs to one
-- pool at most, and a pool's programmes are declared together, once (`hub regroupement
-- declarer`). A pool that later gained or lost a programme would, read before and after,
-- give that programme's figures away.
CREATE TABLE programme_pools (
    name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    declared_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE programme_pools ENABLE ROW LEVEL SECURITY;
ALTER TABLE programme_pools FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON programme_pools TO hub_owner USING (true) WITH CHECK (true);

ALTER TABLE programmes ADD COLUMN pool text REFERENCES programme_pools (name);

-- A programme joins a pool in the transaction that declares it, and never leaves it.
CREATE FUNCTION programme_pool_fixed() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    IF (TG_OP = 'UPDATE' AND OLD.pool IS NOT NULL AND NEW.pool IS DISTINCT FROM OLD.pool)
       OR (NEW.pool IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.pool IS NULL)
           AND (SELECT declared_at FROM programme_pools WHERE name = NEW.pool) <> now()) THEN
        RAISE EXCEPTION 'un regroupement garde les programmes déclarés avec lui'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER programme_pool_fixed BEFORE INSERT OR UPDATE OF pool ON programmes
    FOR EACH ROW EXECUTE FUNCTION programme_pool_fixed();

-- Whether the reader may read the pool: it reads each of its programmes' indicators (R9).
CREATE FUNCTION indicator_may_read_pool(p_pool text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT EXISTS (SELECT 1 FROM programmes WHERE pool = p_pool)
      AND NOT EXISTS (SELECT 1 FROM programmes WHERE pool = p_pool AND NOT indicator_may_read(id)) $$;

-- The pool whose programmes are exactly `p_programmes`, if the reader may read it; null
-- otherwise (a programme the reader does not see is not told apart from no pool).
CREATE FUNCTION indicator_pool_of(p_programmes uuid[]) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT p.pool FROM programmes p
   WHERE p.id = p_programmes[1] AND p.pool IS NOT NULL AND indicator_may_read_pool(p.pool)
     AND (SELECT array_agg(id ORDER BY id) FROM programmes WHERE pool = p.pool)
         = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(p_programmes) AS x) $$;

-- A pool's reports, computed once per refresh like a programme's (sql/0026).
CREATE TABLE indicator_pool_reports (
    pool text NOT NULL REFERENCES programme_pools (name),
    refresh_id bigint NOT NULL,
    period text NOT NULL,
    threshold integer NOT NULL,
    json text NOT NULL,
    csv text NOT NULL,
    PRIMARY KEY (pool, refresh_id, period, threshold)
);
ALTER TABLE indicator_pool_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE indicator_pool_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON indicator_pool_reports TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY readers ON indicator_pool_reports FOR SELECT TO hub_app USING (indicator_may_read_pool(pool));
CREATE POLICY first_reader ON indicator_pool_reports FOR INSERT TO hub_app
    WITH CHECK (indicator_may_read_pool(pool));
GRANT SELECT, INSERT ON indicator_pool_reports TO hub_app;

REVOKE ALL ON FUNCTION indicator_may_read_pool(text), indicator_pool_of(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION indicator_may_read_pool(text), indicator_pool_of(uuid[]) TO hub_app;

CREATE OR REPLACE FUNCTION indicator_refresh() RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
    started timestamptz := clock_timestamp();
    done indicator_refreshes;
BEGIN
    -- The grouping sorts a year of events per programme: room for it in memory.
    PERFORM set_config('work_mem', '256MB', true);
    REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_events;
    REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_cells;
    REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_spans;
    REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_evolutions;
    REFRESH MATERIALIZED VIEW CONCURRENTLY indicator_stock_cells;
    INSERT INTO indicator_refreshes (duration_ms)
    VALUES ((extract(epoch FROM clock_timestamp() - started) * 1000)::integer)
    RETURNING * INTO done;
    DELETE FROM indicator_reports WHERE refresh_id < done.id;
    DELETE FROM indicator_pool_reports WHERE refresh_id < done.id;
    RETURN done.refreshed_at;
END
$$;
