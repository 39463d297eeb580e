-- Every publish of this file: when, from which source, and how many rows per table.
SELECT run_id, started_at, finished_at, source, status, row_counts
FROM meta.runs
ORDER BY finished_at DESC;
