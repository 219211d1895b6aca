-- staging view: stg_owner_sectors
-- grain: one row per GitHub owner classified by sector
-- key: login
with source as (
    select * from owner_sectors
),
renamed as (
    select lower(login) as login, sector, probability as sector_probability
    from source
)
select * from renamed
