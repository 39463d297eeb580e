-- The analyst-facing views and macros of the raw layer, created in the published file.
CREATE OR REPLACE VIEW raw.observations_latest AS
SELECT series_id, date, value, realtime_start, source
FROM raw.observations
QUALIFY row_number() OVER (PARTITION BY series_id, date ORDER BY realtime_start DESC) = 1;

COMMENT ON VIEW raw.observations_latest IS
'The latest known vintage of every observation: one row per (series_id, date). Values in the units of catalog.series, source: raw.observations.';

-- raw.observations_as_of(D): every series as it was known on date D (the latest vintage with realtime_start <= D).
-- A row from a sparse source (vintage_completeness = 'sparse': only some releases listed) is known to hold on its
-- own realtime_start only: known_to_hold_on_date is false when D falls after it, i.e. between two listed releases,
-- where an unlisted release may have changed the value.
CREATE OR REPLACE MACRO raw.observations_as_of(as_of_date) AS TABLE
SELECT series_id, date, value, realtime_start, source, vintage_completeness,
       (vintage_completeness = 'complete' OR realtime_start = CAST(as_of_date AS DATE)) AS known_to_hold_on_date
FROM raw.observations
WHERE realtime_start <= CAST(as_of_date AS DATE)
QUALIFY row_number() OVER (PARTITION BY series_id, date ORDER BY realtime_start DESC) = 1;

COMMENT ON MACRO TABLE raw.observations_as_of IS
'raw.observations_as_of(D): every series as it was known on date D, the latest vintage with realtime_start <= D. Columns: series_id, date, value, realtime_start (the release the value comes from), source, vintage_completeness (''complete'' or ''sparse'': the source lists only some releases, e.g. the snapshot''s GDPC1 vintages), known_to_hold_on_date (false for a sparse row released before D: the value may have changed in an unlisted release in between). Vintages: data/fred_snapshot/vintages (GDPC1 sparse 1991-2026, PAYEMS complete 2024-02..2026-03) and the snapshot''s own date for every series. A series with a single vintage has no answer before it. Example: SELECT * FROM raw.observations_as_of(DATE ''2024-06-15'') WHERE series_id = ''GDPC1''.';

-- raw.observations_first_release: every observation as first published, the earliest vintage the store holds.
CREATE OR REPLACE VIEW raw.observations_first_release AS
SELECT series_id, date, value, realtime_start, source
FROM raw.observations
QUALIFY row_number() OVER (PARTITION BY series_id, date ORDER BY realtime_start) = 1;

COMMENT ON VIEW raw.observations_first_release IS
'Every observation as first published: the earliest vintage raw.observations holds, one row per (series_id, date). With a single stored vintage (the embedded snapshot) this equals the latest: "no revision known", not "not revised". Source: raw.observations.';

COMMENT ON COLUMN raw.observations_first_release.series_id IS 'FRED series id, from raw.observations';
COMMENT ON COLUMN raw.observations_first_release.date IS 'observation date (a month, quarter or year is dated on its first day), from raw.observations';
COMMENT ON COLUMN raw.observations_first_release.value IS 'the value as first published (earliest stored vintage), in the units of catalog.series, from raw.observations';
COMMENT ON COLUMN raw.observations_first_release.realtime_start IS 'vintage date of that first value, from raw.observations';
COMMENT ON COLUMN raw.observations_first_release.source IS 'where the vintage was loaded from, from raw.observations';
