-- staging view: stg_repo_purposes
-- grain: one row per repository classified by purpose
-- key: repo
with source as (
    select * from repo_purposes
),
renamed as (
    select repo, purpose, probability as purpose_probability
    from source
)
select * from renamed
