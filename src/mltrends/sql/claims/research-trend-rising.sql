-- claim research-trend-rising: slope of PyTorch's quarterly share of papers with code over
-- the last 12 complete quarters, in share per year, with its 95% t interval.
select
    trend_slope_per_year as metric,
    trend_ci_low as ci_low,
    trend_ci_high as ci_high,
    trend_quarters as n,
    format('PyTorch share trend {} over {} quarters ({} points a year)',
           coalesce(trend_direction, 'unknown'), trend_quarters,
           round(100 * trend_slope_per_year, 1)) as detail
from adoption_summary
where framework = 'pytorch'
