-- Every claim of the thesis with the indicators and series that measure it.
SELECT claim_id, claim, len(indicator_ids) AS n_indicators, indicator_ids, len(series_ids) AS n_series
FROM catalog.claims
ORDER BY CAST(substr(claim_id, 2) AS INTEGER);
