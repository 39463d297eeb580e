-- Merge one validated delivery (registered as "delivery") into the bitemporal raw store.
-- $1 = source label, $2 = loaded_at (UTC). Runs inside the caller's transaction.
-- A delivered value that equals the stored value of its vintage period adds nothing (reruns are idempotent);
-- a different value becomes a new row. Vintage periods never overlap: a stored open row superseded by a newer
-- vintage is closed the day before it, and a delivered vintage older than a stored one is closed the day
-- before the next stored vintage (an old snapshot loaded after a live refresh, or earlier releases loaded after
-- the snapshot: the vintages may arrive in any order).
CREATE OR REPLACE TEMP TABLE new_observations AS
SELECT d.series_id, d.date, d.value, d.realtime_start, d.realtime_end, d.vintage_completeness
FROM delivery AS d
WHERE NOT EXISTS (
    SELECT 1 FROM raw.observations AS s
    WHERE s.series_id = d.series_id AND s.date = d.date
      AND s.value IS NOT DISTINCT FROM d.value
      AND s.realtime_start <= d.realtime_start AND d.realtime_start <= s.realtime_end
);

UPDATE new_observations AS n
SET realtime_end = later.next_start - INTERVAL 1 DAY
FROM (
    SELECT n2.series_id, n2.date, n2.realtime_start, min(s.realtime_start) AS next_start
    FROM new_observations AS n2
    JOIN raw.observations AS s
      ON s.series_id = n2.series_id AND s.date = n2.date AND s.realtime_start > n2.realtime_start
    GROUP BY ALL
) AS later
WHERE n.series_id = later.series_id AND n.date = later.date AND n.realtime_start = later.realtime_start
  AND later.next_start - INTERVAL 1 DAY < n.realtime_end;

-- a stored period (open, or closed later than a new vintage that falls inside it: vintages arriving out of
-- order) ends the day before the first new vintage inside it
UPDATE raw.observations AS s
SET realtime_end = inside.first_new_start - INTERVAL 1 DAY
FROM (
    SELECT s2.series_id, s2.date, s2.realtime_start, min(n.realtime_start) AS first_new_start
    FROM raw.observations AS s2
    JOIN new_observations AS n
      ON n.series_id = s2.series_id AND n.date = s2.date
     AND n.realtime_start > s2.realtime_start AND n.realtime_start <= s2.realtime_end
    GROUP BY ALL
) AS inside
WHERE s.series_id = inside.series_id AND s.date = inside.date AND s.realtime_start = inside.realtime_start;

INSERT INTO raw.observations (series_id, date, value, realtime_start, realtime_end, source, loaded_at,
                              vintage_completeness)
SELECT series_id, date, value, realtime_start, realtime_end, $1, $2, vintage_completeness FROM new_observations;
