-- mart: adoption_summary
-- description: One row per framework: research adoption (share of papers with code over the last 4 complete quarters, from framework_share_quarterly), industry adoption (share among non-fork repos that industry owners publish as production software), download share (share of the core family's PyPI downloads over the last 3 complete months that do not straddle a series break), and the trend of the research share (least-squares slope per year over the last 12 complete quarters, with a 95% t interval). Each share has its own evidence and denominator; none of them counts 'none'.
-- grain: one row per framework of the closed vocabulary except 'none'
-- key: framework
-- column framework: framework
-- column research_share: share of papers with code (first implementation, known framework) over the last 4 complete quarters
-- column research_ci_low: lower bound of the 95% Wilson interval of research_share
-- column research_ci_high: upper bound of the 95% Wilson interval of research_share
-- column research_papers: papers using the framework in those quarters
-- column research_total: papers with a known framework in those quarters (research_share's denominator)
-- column industry_share: share among non-fork repos of industry-classified owners whose purpose is production
-- column industry_ci_low: lower bound of the 95% Wilson interval of industry_share
-- column industry_ci_high: upper bound of the 95% Wilson interval of industry_share
-- column industry_repos: such repos using the framework
-- column industry_total: such repos with a known framework (industry_share's denominator)
-- column download_share: share of the core family's downloads (without mirrors) over the last 3 complete months not straddling a series break
-- column download_months: number of months behind download_share
-- column trend_slope_per_year: slope of the quarterly research share over the last 12 complete quarters, in share points per year (0.05 = +5 points a year); missing quarters count as share 0; null with fewer than 3 quarters
-- column trend_ci_low: lower bound of the 95% interval of the slope (Student t, n - 2 degrees of freedom)
-- column trend_ci_high: upper bound of the 95% interval of the slope
-- column trend_quarters: quarters behind the slope
-- column trend_direction: rising (interval above 0), falling (interval below 0), flat (interval contains 0); null with fewer than 4 quarters
with frameworks as (
    select unnest(['pytorch', 'tensorflow', 'jax', 'keras', 'mxnet', 'paddle', 'mindspore', 'other'])
        as framework
),
full_quarters as (
    select distinct quarter, quarter_start from framework_share_quarterly where not is_partial_quarter
),
last4 as (
    select quarter from full_quarters order by quarter_start desc limit 4
),
research as (
    select framework, sum(papers)::bigint as k
    from framework_share_quarterly where quarter in (select quarter from last4) group by framework
),
research_n as (select coalesce(sum(k), 0)::bigint as n from research),
industry as (
    select framework, count(*) as k from repo_framework
    where sector = 'industry' and purpose = 'production' and framework <> 'none' and not is_fork
    group by framework
),
industry_n as (select coalesce(sum(k), 0)::bigint as n from industry),
download_months as (
    select month from (
        select month, bool_or(is_partial_month) as partial, bool_or(crosses_series_break) as crosses
        from pypi_family_share where family = 'core' group by month
    )
    where not partial and not crosses
    order by month desc limit 3
),
downloads as (
    select framework, sum(downloads)::double as d
    from pypi_family_share
    where family = 'core' and month in (select month from download_months)
    group by framework
),
downloads_n as (select sum(d) as n, (select count(*) from download_months) as months from downloads),
last12 as (
    select quarter, quarter_start from full_quarters order by quarter_start desc limit 12
),
grid as (
    select f.framework, year(q.quarter_start) + (quarter(q.quarter_start) - 1) / 4.0 as x,
           coalesce(s.share, 0.0) as share
    from frameworks as f
    cross join last12 as q
    left join framework_share_quarterly as s on s.quarter = q.quarter and s.framework = f.framework
),
trend as (
    select framework, regr_slope(share, x) as slope, regr_count(share, x) as n,
           regr_sxx(share, x) as sxx, regr_syy(share, x) as syy, regr_sxy(share, x) as sxy
    from grid group by framework
),
trend_ci as (
    select framework, case when n > 2 and sxx > 0 then slope end as slope, n,
           case when n > 2 and sxx > 0
                then t975(n - 2) * sqrt(greatest(syy - sxy * sxy / sxx, 0) / (n - 2) / sxx) end as half
    from trend
)
select
    f.framework,
    case when rn.n > 0 then coalesce(r.k, 0) / rn.n end as research_share,
    wilson_low(coalesce(r.k, 0), rn.n) as research_ci_low,
    wilson_high(coalesce(r.k, 0), rn.n) as research_ci_high,
    coalesce(r.k, 0) as research_papers,
    rn.n as research_total,
    case when i_n.n > 0 then coalesce(i.k, 0) / i_n.n end as industry_share,
    wilson_low(coalesce(i.k, 0), i_n.n) as industry_ci_low,
    wilson_high(coalesce(i.k, 0), i_n.n) as industry_ci_high,
    coalesce(i.k, 0) as industry_repos,
    i_n.n as industry_total,
    case when dn.n > 0 then coalesce(d.d, 0) / dn.n end as download_share,
    coalesce(dn.months, 0) as download_months,
    t.slope as trend_slope_per_year,
    t.slope - t.half as trend_ci_low,
    t.slope + t.half as trend_ci_high,
    coalesce(t.n, 0) as trend_quarters,
    case
        when t.n is null or t.n < 4 then null
        when t.slope - t.half > 0 then 'rising'
        when t.slope + t.half < 0 then 'falling'
        else 'flat'
    end as trend_direction
from frameworks as f
cross join research_n as rn
cross join industry_n as i_n
cross join downloads_n as dn
left join research as r on r.framework = f.framework
left join industry as i on i.framework = f.framework
left join downloads as d on d.framework = f.framework
left join trend_ci as t on t.framework = f.framework
