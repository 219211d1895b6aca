-- mart: pypi_downloads_monthly
-- description: Monthly PyPI downloads (without mirrors) per package, with its framework family, and the 2026-08-24 change of the download-count definition marked: compare months only on the same side of the break.
-- grain: one row per package and calendar month with at least one observed day
-- key: package, month
-- column package: PyPI package name
-- column family: framework family of the package (core, high_level, serving, mobile_edge, distributed, ecosystem; unclassified when the package list does not name it)
-- column framework: framework the package belongs to (closed vocabulary)
-- column month: first day of the month
-- column downloads: downloads summed over the observed days of the month
-- column days_observed: days of the month with a download count
-- column days_in_month: days of the calendar month
-- column is_partial_month: true when fewer days were observed than the month has
-- column after_series_break: true when the month starts on or after a series break (counted under the new definition)
-- column crosses_series_break: true when a series break falls inside the month (its total mixes two definitions)
-- column source: where the month's count comes from: pypistats (daily counts summed) or bigquery (the public downloads dataset, monthly; used only for months pypistats did not cover)
with daily as (
    select
        package,
        any_value(family) as family,
        any_value(framework) as framework,
        date_trunc('month', date)::date as month,
        sum(downloads)::bigint as downloads,
        count(*) as days_observed
    from stg_pypi_downloads
    group by package, date_trunc('month', date)::date
),
bigquery as (
    select
        d.package,
        any_value(coalesce(p.family, 'unclassified')) as family,
        any_value(canonical_framework(coalesce(p.framework, 'other'))) as framework,
        date_trunc('month', d.date)::date as month,
        sum(d.downloads)::bigint as downloads,
        day(last_day(date_trunc('month', d.date)::date)) as days_observed
    from pypi_downloads as d
    left join pypi_packages as p on p.package = d.package
    where d.category = 'bigquery:monthly'
    group by d.package, date_trunc('month', d.date)::date
),
monthly as (
    select *, 'pypistats' as source from daily
    union all
    select b.*, 'bigquery' as source from bigquery as b
    where not exists (select 1 from daily as x where x.package = b.package and x.month = b.month)
),
breaks as (
    select break_date from stg_series_breaks where series = 'pypi_downloads'
)
select
    m.package,
    m.family,
    m.framework,
    m.month,
    m.downloads,
    m.days_observed,
    day(last_day(m.month)) as days_in_month,
    m.days_observed < day(last_day(m.month)) as is_partial_month,
    exists (select 1 from breaks as b where b.break_date <= m.month) as after_series_break,
    exists (select 1 from breaks as b
            where b.break_date > m.month and b.break_date <= last_day(m.month)) as crosses_series_break,
    m.source
from monthly as m
