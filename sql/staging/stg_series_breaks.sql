-- staging view: stg_series_breaks
-- grain: one row per break in a series
-- key: series, break_date
-- PyPI download counts changed definition on 2026-08-24 (only .whl, .tar.gz and .zip
-- requests count since then); that documented break is always present.
with source as (
    select series, break_date, description from series_breaks
),
known as (
    select 'pypi_downloads' as series, date '2026-08-24' as break_date,
           'download counts include only .whl, .tar.gz and .zip requests from this day' as description
),
renamed as (
    select * from source
    union all
    select * from known
    where not exists (
        select 1 from source
        where source.series = known.series and source.break_date = known.break_date
    )
)
select * from renamed
