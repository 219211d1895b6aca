-- staging view: stg_pwc_paper_repos
-- grain: one row per link between a Papers-with-Code paper and a code repository
-- key: paper_id, repo
with source as (
    select * from pwc_paper_repos
),
renamed as (
    select
        paper_id,
        repo,
        is_official,
        canonical_framework(pwc_framework) as pwc_framework,
        _source as link_source
    from source
    where repo is not null and repo <> ''
)
select * from renamed
