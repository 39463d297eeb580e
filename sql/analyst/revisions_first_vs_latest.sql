-- Indicators as first published vs now (published.indicator_revisions): the last eight quarters of real GDP
-- growth (SAAR, from each GDPC1 release's own levels) and the last twelve monthly payroll gains, the calendar-year
-- sums and the benchmark revisions. A period with one known vintage has no row: no revision known.
SELECT indicator_id, date, first_value, first_release_date, third_estimate_value, first_benchmark_value,
       latest_value, latest_release_date, revision, moved_by
FROM published.indicator_revisions
WHERE (indicator_id = 'real_gdp_growth_gdpc1_saar_pct'
       AND date > (SELECT max(date) - INTERVAL 2 YEAR FROM published.indicator_revisions
                   WHERE indicator_id = 'real_gdp_growth_gdpc1_saar_pct'))
   OR (indicator_id = 'payroll_gain_thousands'
       AND date > (SELECT max(date) - INTERVAL 1 YEAR FROM published.indicator_revisions
                   WHERE indicator_id = 'payroll_gain_thousands'))
   OR indicator_id IN ('payroll_gain_calendar_year_thousands', 'payems_benchmark_revision_thousands')
ORDER BY indicator_id, date;
