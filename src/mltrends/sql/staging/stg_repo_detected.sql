-- staging view: stg_repo_detected
-- grain: one row per repo that framework detection looked at (code or manifests)
-- key: repo
-- The chosen detection: code evidence before manifest evidence, then the primary flag,
-- then a real framework before 'none', then the highest score.
with source as (
    select * from repo_frameworks where source in ('code', 'manifest')
),
renamed as (
    select
        repo,
        canonical_framework(framework) as detected_framework,
        source as detected_source,
        score as detected_score
    from source
    qualify row_number() over (
        partition by repo
        order by (source = 'code') desc, is_primary desc, (framework <> 'none') desc,
                 score desc nulls last, framework
    ) = 1
)
select * from renamed
