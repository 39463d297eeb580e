-- Coverage of every catalog series: status (loaded / missing / failed), first and last date, observations.
SELECT series_id, title, units, frequency, status, n_obs, first_date, last_date, vintage_date
FROM catalog.series
ORDER BY status DESC, series_id;
