-- The latest observed value of every published indicator, with its claim, unit and source. Projections and model
-- values (kind 'projection' or 'model', e.g. scenario shares or a price for a delivery year not yet begun) are
-- never the latest observation: read them from published.indicators by kind.
SELECT indicator_id, claim_id, date, value, unit, source, as_of, kind
FROM published.indicators
WHERE kind = 'observed'
QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY date DESC) = 1
ORDER BY CAST(substr(claim_id, 2) AS INTEGER), indicator_id;
