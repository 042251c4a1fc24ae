-- The report computed once per refresh (issue 22): a programme's year is computed (recoding
-- and suppression over its whole lattice) by its first reader after a refresh, and every
-- period's report stored, JSON and CSV; the next readers of that refresh get it as stored.
-- Only published figures are stored (what any of the programme's readers gets), so the
-- table is read and written under R9's own door.
CREATE TABLE indicator_reports (
    programme_id uuid NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    refresh_id bigint NOT NULL,
    period text NOT NULL,
    threshold integer NOT NULL,
    json text NOT NULL,
    csv text NOT NULL,
    PRIMARY KEY (programme_id, refresh_id, period, threshold)
);
ALTER TABLE indicator_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE indicator_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY operator ON indicator_reports TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY readers ON indicator_reports FOR SELECT TO hub_app USING (indicator_may_read(programme_id));
CREATE POLICY first_reader ON indicator_reports FOR INSERT TO hub_app WITH CHECK (indicator_may_read(programme_id));
GRANT SELECT, INSERT ON indicator_reports TO hub_app;

-- A refresh makes the stored reports of the previous ones useless: they go with it.
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
    RETURN done.refreshed_at;
END
$$;

-- A period's stocks are read with the year's (indicator_year_stocks, 0025): the function of
-- one period has no caller left.
DROP FUNCTION indicator_stocks(uuid, text);
