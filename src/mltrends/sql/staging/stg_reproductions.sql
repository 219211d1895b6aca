-- staging view: stg_reproductions
-- grain: one row per repository run by the reproduction job (its latest run that
--   observed a framework at runtime)
-- key: repo
-- observed_framework: the claimed framework when the run imported it, otherwise the first
-- framework the run imported.
with source as (
    select * from reproductions
    where runtime_frameworks is not null and len(runtime_frameworks) > 0
),
renamed as (
    select
        repo,
        canonical_framework(claimed_framework) as claimed_framework,
        case
            when list_contains(list_transform(runtime_frameworks, lambda f: canonical_framework(f)),
                               canonical_framework(claimed_framework))
                then canonical_framework(claimed_framework)
            else canonical_framework(runtime_frameworks[1])
        end as observed_framework,
        finished_at
    from source
    qualify row_number() over (partition by repo order by finished_at desc, run_id desc) = 1
)
select * from renamed
