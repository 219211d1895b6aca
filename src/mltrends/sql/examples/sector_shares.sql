-- Which frameworks do academic, industry and individual owners use? Shares by owner
-- sector with 95% intervals (repos with a known framework, no forks).
select group_value as sector, framework, repos, total_repos, round(share, 3) as share,
       round(ci_low, 3) as ci_low, round(ci_high, 3) as ci_high
from sector_framework_share
where dimension = 'sector'
order by sector, repos desc;
