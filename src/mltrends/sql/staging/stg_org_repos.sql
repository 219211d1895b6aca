-- staging view: stg_org_repos
-- grain: one row per public repository of a tracked organisation
-- key: org, repo
with source as (
    select * from github_org_repos
),
renamed as (
    select lower(org) as company, coalesce(nullif(company, ''), org) as company_name, repo, created_year
    from source
)
select * from renamed
