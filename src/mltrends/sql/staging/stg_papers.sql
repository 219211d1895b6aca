-- staging view: stg_papers
-- grain: one row per paper, Papers-with-Code papers first, then Hugging Face papers that
--   Papers with Code does not know (matched on arXiv id; those get paper_id 'arxiv:<id>')
-- key: paper_id
with pwc as (
    select * from stg_pwc_papers
),
hf as (
    select * from stg_hf_papers
),
hf_only as (
    select hf.* from hf
    anti join (select distinct arxiv_id from pwc where arxiv_id is not null) as known
        on known.arxiv_id = hf.arxiv_id
),
renamed as (
    select
        pwc.paper_id, pwc.arxiv_id, pwc.title, pwc.published, pwc.year, pwc.quarter,
        pwc.venue, pwc.venue_year, pwc.tasks, pwc.paper_source,
        pwc.catalogue_hf_artifacts
            or (pwc.arxiv_id is not null and pwc.arxiv_id in (select arxiv_id from hf)) as has_hf_artifacts
    from pwc
    union all
    select
        'arxiv:' || arxiv_id, arxiv_id, title, published, year, quarter,
        null::varchar, null::integer, null::varchar[], 'hf', true
    from hf_only
)
select * from renamed
