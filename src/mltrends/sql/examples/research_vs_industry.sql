-- Research vs industry, side by side: each framework's share of papers with code, of
-- industry production repos and of core-package downloads, and its research trend.
select framework,
       round(research_share, 3) as research_share,
       round(research_ci_low, 3) as research_ci_low, round(research_ci_high, 3) as research_ci_high,
       round(industry_share, 3) as industry_share,
       round(download_share, 3) as download_share,
       round(trend_slope_per_year, 3) as trend_per_year, trend_direction
from adoption_summary
order by research_share desc nulls last;
