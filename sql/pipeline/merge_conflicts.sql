-- Delivered rows that claim a vintage already stored with a different value: such a delivery is refused.
SELECT d.series_id, d.date, d.realtime_start, s.value AS stored_value, d.value AS delivered_value
FROM delivery AS d
JOIN raw.observations AS s
  ON s.series_id = d.series_id AND s.date = d.date AND s.realtime_start = d.realtime_start
WHERE s.value IS DISTINCT FROM d.value
ORDER BY d.series_id, d.date
LIMIT 50;
