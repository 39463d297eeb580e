-- Real GDP growth as known at the snapshot date versus the latest vintage (identical until revisions arrive).
-- The same answer as joining raw.observations_as_of(DATE '2026-11-26') with raw.observations_latest, computed
-- on the one series only (the view and the macro rank every stored observation first).
SELECT date,
       arg_max(value, realtime_start) FILTER (WHERE realtime_start <= DATE '2026-11-26') AS as_known_2026_11_26,
       arg_max(value, realtime_start) AS latest,
       max(realtime_start) AS latest_vintage
FROM raw.observations
WHERE series_id = 'A191RL1Q225SBEA'
GROUP BY date
ORDER BY date DESC
LIMIT 12;
