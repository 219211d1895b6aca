-- staging view: stg_github_repos
-- grain: one row per GitHub repository looked up (found or not)
-- key: repo
with source as (
    select * from github_repos
),
renamed as (
    select
        repo,
        coalesce(lower(owner), split_part(repo, '/', 1)) as owner,
        status,
        moved_to,
        stars,
        created_at,
        year(created_at) as created_year,
        coalesce(is_fork, false) as is_fork,
        coalesce(is_archived, false) as is_archived,
        description,
        topics,
        pushed_at,
        coalesce(has_releases, false) as has_releases
    from source
)
select * from renamed
