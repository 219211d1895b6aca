-- The claims scorecard as `mltrends claims` wrote it: verdict, number and interval per claim.
select claim_id, verdict, round(metric, 3) as metric, round(ci_low, 3) as ci_low,
       round(ci_high, 3) as ci_high, n, reason
from claims_scorecard
order by claim_id;
