-- Recoding before suppression (issue 22): a breakdown's coarser categories count their own
-- distinct households, which the sum of the finer ones would overstate (one household
-- refused twice by the CAL, for two reasons of one group, is one household). The groups are
-- the application's (`IndicatorBreakdown.group(of:)`), passed as parallel arrays; only
-- counts leave the function, for a programme its reader may read (R9), as from
-- indicator_event_periods.
CREATE INDEX indicator_events_programme ON indicator_events (programme_id, indicator, on_day);

CREATE FUNCTION indicator_event_groups(p_programme uuid, p_year integer, p_indicators text[], p_dimensions text[],
                                       p_categories text[], p_groups text[])
RETURNS TABLE (indicator text, period text, dimension text, category text, events bigint, households bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ WITH map AS (
       SELECT * FROM unnest(p_indicators, p_dimensions, p_categories, p_groups) AS m(indicator, dimension, category, grp)
   ), e AS (
       SELECT m.indicator, m.dimension, m.grp, e.household_id, e.on_day
       FROM map m JOIN indicator_events e
         ON e.programme_id = p_programme AND e.indicator = m.indicator
        AND e.on_day >= make_date(p_year, 1, 1) AND e.on_day < make_date(p_year + 1, 1, 1)
        AND m.category = CASE m.dimension WHEN 'public' THEN e.public
                                          WHEN 'departement' THEN coalesce(e.departement, 'nonRenseigne')
                                          ELSE coalesce(e.detail, 'nonRenseigne') END
       WHERE indicator_may_read(p_programme)
   )
   SELECT e.indicator, p.period, e.dimension, e.grp, count(*), count(DISTINCT e.household_id)
   FROM e, LATERAL (VALUES (to_char(e.on_day, 'YYYY-MM')), (to_char(e.on_day, 'YYYY-"Q"Q')), (to_char(e.on_day, 'YYYY')))
        AS p(period)
   GROUP BY e.indicator, p.period, e.dimension, e.grp $$;
REVOKE ALL ON FUNCTION indicator_event_groups(uuid, integer, text[], text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION indicator_event_groups(uuid, integer, text[], text[], text[], text[]) TO hub_app;

-- The stocks of every period of a year at once: a report is computed for the whole year's
-- lattice (a quarter's breakdown may be published over its year).
CREATE FUNCTION indicator_year_stocks(p_programme uuid, p_year integer)
RETURNS TABLE (period text, indicator text, public text, detail text, households bigint, amount numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT c.period, c.indicator, c.public, nullif(c.detail, ''), c.households, c.days / 30.4375
   FROM indicator_stock_cells c
   WHERE indicator_may_read(p_programme) AND c.programme_id = p_programme AND left(c.period, 4) = p_year::text $$;
REVOKE ALL ON FUNCTION indicator_year_stocks(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION indicator_year_stocks(uuid, integer) TO hub_app;
