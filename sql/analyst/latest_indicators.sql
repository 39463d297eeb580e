-- The latest value of every published indicator, with its claim, unit and source.
SELECT indicator_id, claim_id, date, value, unit, source, as_of
FROM published.indicators
QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY date DESC) = 1
ORDER BY claim_id, indicator_id;
