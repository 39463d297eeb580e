-- The last 26 weeks of net liquidity (billions of U.S. dollars) and what drove its 13-week change.
SELECT week_date, fed_total_assets_usd_bn, tga_usd_bn, on_rrp_usd_bn, net_liquidity_usd_bn,
       net_liquidity_change_13w_usd_bn, fed_total_assets_change_13w_usd_bn, treasury_and_rrp_change_13w_usd_bn
FROM marts.net_liquidity
WHERE complete
ORDER BY week_date DESC
LIMIT 26;
