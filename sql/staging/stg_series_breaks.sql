-- staging view: stg_series_breaks
-- grain: one row per break in a series (seeded by migration 011: the PyPI counting change
-- and the end of the Papers with Code archive)
-- key: series, break_date
with source as (
    select series, break_date, description from series_breaks
)
select * from source
