-- staging view: stg_pwc_paper_ids
-- grain: one row per pwc_papers row
-- key: paper_id
-- The same paper can arrive from the archive dump (keyed by its PwC slug), the historic v1
-- API (the same slug) and the catalogue (keyed 'arxiv:<id>'). Rows sharing an arXiv id are
-- one paper: the archive's row wins (it carries PwC's framework labels), then the oldest key.
with source as (
    select paper_id, arxiv_id, _source from pwc_papers
),
renamed as (
    select
        paper_id,
        case
            when arxiv_id is null then paper_id
            else first_value(paper_id) over (
                partition by arxiv_id
                order by case when _source = 'pwc-api' then 1 else 0 end, paper_id)
        end as canonical_paper_id
    from source
)
select * from renamed
