-- staging view: stg_pwc_paper_repos
-- grain: one row per link between a Papers-with-Code paper and a code repository
-- key: paper_id, repo
-- Links are re-keyed to the canonical paper id (stg_pwc_paper_ids); when two sources link
-- the same paper to the same repo, the archive's link (with PwC's framework label) wins.
with source as (
    select r.*, coalesce(ids.canonical_paper_id, r.paper_id) as canonical_paper_id
    from pwc_paper_repos as r
    left join stg_pwc_paper_ids as ids on ids.paper_id = r.paper_id
),
renamed as (
    select
        canonical_paper_id as paper_id,
        repo,
        is_official,
        canonical_framework(pwc_framework) as pwc_framework,
        _source as link_source
    from source
    where repo is not null and repo <> ''
    qualify row_number() over (
        partition by canonical_paper_id, repo
        order by case when _source = 'pwc-api' then 1 else 0 end, pwc_framework is null, _source) = 1
)
select * from renamed
