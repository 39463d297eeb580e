-- Claim C10: datacenter electricity against US use, by year and scenario (published anchors vs interpolated).
SELECT year, scenario, method, datacenter_twh, us_electricity_twh, datacenter_share_pct, datacenter_avg_load_gw,
       assumption_version
FROM marts.datacenter_power_vs_grid
WHERE year IN (DATE '2023-01-01', DATE '2028-01-01', DATE '2030-01-01')
ORDER BY year, scenario;
