-- Merge one validated delivery (registered as "delivery") into the bitemporal raw store.
-- $1 = source label, $2 = loaded_at (UTC). Runs inside the caller's transaction.
-- A delivered value that equals the stored value of its vintage period adds nothing (reruns are idempotent);
-- a different value becomes a new row, and the open row it supersedes gets its realtime_end closed.
CREATE OR REPLACE TEMP TABLE new_observations AS
SELECT d.series_id, d.date, d.value, d.realtime_start, d.realtime_end
FROM delivery AS d
WHERE NOT EXISTS (
    SELECT 1 FROM raw.observations AS s
    WHERE s.series_id = d.series_id AND s.date = d.date
      AND s.value IS NOT DISTINCT FROM d.value
      AND s.realtime_start <= d.realtime_start AND d.realtime_start <= s.realtime_end
);

UPDATE raw.observations AS s
SET realtime_end = n.realtime_start - INTERVAL 1 DAY
FROM new_observations AS n
WHERE s.series_id = n.series_id AND s.date = n.date
  AND s.realtime_end = DATE '9999-12-31' AND s.realtime_start < n.realtime_start;

INSERT INTO raw.observations (series_id, date, value, realtime_start, realtime_end, source, loaded_at)
SELECT series_id, date, value, realtime_start, realtime_end, $1, $2 FROM new_observations;
