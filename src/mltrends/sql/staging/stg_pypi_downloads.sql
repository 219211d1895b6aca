-- staging view: stg_pypi_downloads
-- grain: one row per package and day
-- key: package, date
-- Uses the 'without_mirrors' count (pypistats' headline figure); a day that only has
-- 'with_mirrors' or an overall 'total' falls back to it. Per-OS and per-Python rows are
-- breakdowns of the same downloads and are left out.
with source as (
    select * from pypi_downloads
    where category in ('without_mirrors', 'total', 'overall', 'with_mirrors')
),
renamed as (
    select
        d.package,
        d.date,
        d.downloads,
        coalesce(p.family, 'unclassified') as family,
        canonical_framework(coalesce(p.framework, 'other')) as framework
    from source as d
    left join pypi_packages as p on p.package = d.package
    where coalesce(p.status, 'ok') <> 'unknown'
    qualify row_number() over (
        partition by d.package, d.date
        order by case d.category when 'without_mirrors' then 1 when 'total' then 2
                                 when 'overall' then 3 else 4 end
    ) = 1
)
select * from renamed
