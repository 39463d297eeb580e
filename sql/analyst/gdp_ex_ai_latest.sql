-- Claim C6: real GDP growth with and without AI investment, last 8 quarters, every definition.
SELECT quarter, definition, real_gdp_growth_saar_pct, ai_contribution_pp, gdp_growth_ex_ai_saar_pct,
       ai_share_of_growth_pct, method
FROM marts.gdp_ex_ai
WHERE quarter >= (SELECT max(quarter) FROM marts.gdp_ex_ai) - INTERVAL 21 MONTH
ORDER BY quarter DESC, definition;
