-- mart: pypi_family_share
-- description: Within each framework family (core, mobile_edge, serving, ...) and month, each framework's share of the family's PyPI downloads. Shares compare frameworks within one month, so both sides of the comparison use the same download definition; months that straddle the 2026-08-24 break are flagged.
-- grain: one row per month, family and framework
-- key: month, family, framework
-- sums_to_one: share per month, family
-- column month: first day of the month
-- column family: framework family
-- column framework: framework the packages belong to
-- column packages: packages of the family and framework with downloads that month
-- column downloads: downloads of those packages that month
-- column family_downloads: downloads of the whole family that month
-- column share: downloads / family_downloads
-- column is_partial_month: true when any package of the row was observed on fewer days than the month has
-- column after_series_break: true when the month starts on or after the series break
-- column crosses_series_break: true when the series break falls inside the month
with rows as (
    select month, family, framework, count(*) as packages, sum(downloads)::bigint as downloads,
           bool_or(is_partial_month) as is_partial_month,
           bool_or(after_series_break) as after_series_break,
           bool_or(crosses_series_break) as crosses_series_break
    from pypi_downloads_monthly
    group by month, family, framework
),
totals as (
    select month, family, sum(downloads)::bigint as family_downloads
    from rows group by month, family
)
select
    r.month,
    r.family,
    r.framework,
    r.packages,
    r.downloads,
    t.family_downloads,
    r.downloads / t.family_downloads as share,
    r.is_partial_month,
    r.after_series_break,
    r.crosses_series_break
from rows as r
join totals as t using (month, family)
where t.family_downloads > 0
