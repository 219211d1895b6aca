-- The Papers-with-Code "Trends" chart, continued: share of each framework per quarter over
-- the last 12 quarters, the partial current quarter marked.
select quarter, framework, papers, total_papers, round(share, 3) as share,
       round(ci_low, 3) as ci_low, round(ci_high, 3) as ci_high, is_partial_quarter
from framework_share_quarterly
where quarter_start >= (select max(quarter_start) from framework_share_quarterly) - interval 33 month
order by quarter_start, papers desc;
