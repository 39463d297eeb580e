-- Per stored series: its latest vintage date, row count, and the revision stamp the source reported last time
-- (kept only while the series has rows, so a wiped store refetches everything).
SELECT o.series_id,
       max(o.realtime_start) AS last_realtime_start,
       count(*) AS n_rows,
       max(o.date) AS last_date,
       any_value(f.source_last_updated) AS source_last_updated
FROM raw.observations AS o
LEFT JOIN raw.fetch_log AS f USING (series_id)
GROUP BY o.series_id
ORDER BY o.series_id
