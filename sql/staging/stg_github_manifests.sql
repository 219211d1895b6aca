-- staging view: stg_github_manifests
-- grain: one row per dependency manifest file fetched from a GitHub repository
-- key: repo, path
with source as (
    select repo, path, content from github_manifests
)
select * from source
