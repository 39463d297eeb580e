-- Every claim of the thesis with its verdict and the one-sentence evidence that decided it (tests: catalog/claim_rules.csv).
SELECT claim_id, verdict, rules_met || ' of ' || rules_evaluated AS tests_met, latest_date, as_of, rule_version,
       evidence
FROM published.claims_scorecard
ORDER BY claim_order;
