-- Real GDP growth as known at the snapshot date versus the latest vintage (identical until revisions arrive).
SELECT l.date, a.value AS as_known_2026_11_26, l.value AS latest, l.realtime_start AS latest_vintage
FROM raw.observations_latest AS l
LEFT JOIN raw.observations_as_of(DATE '2026-11-26') AS a USING (series_id, date)
WHERE l.series_id = 'A191RL1Q225SBEA'
ORDER BY l.date DESC
LIMIT 12;
