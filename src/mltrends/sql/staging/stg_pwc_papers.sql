-- staging view: stg_pwc_papers
-- grain: one row per Papers-with-Code paper (archive dump, catalogue API or historic v1 API);
--   a paper that several of them serve appears once, under its canonical id (stg_pwc_paper_ids)
-- key: paper_id
with source as (
    select p.* from pwc_papers as p
    join stg_pwc_paper_ids as ids on ids.paper_id = p.paper_id
    where ids.canonical_paper_id = p.paper_id
),
renamed as (
    select
        paper_id,
        arxiv_id,
        title,
        published,
        coalesce(year, year(published)) as year,
        coalesce(quarter, quarter_of(published)) as quarter,
        case
            when lower(trim(venue)) in ('nips', 'neurips') then 'NeurIPS'
            else nullif(trim(venue), '')
        end as venue,
        coalesce(venue_year, year, year(published)) as venue_year,
        tasks,
        coalesce(has_hf_artifacts, false) as catalogue_hf_artifacts,
        case when _source = 'pwc-api' then 'catalogue' else 'pwc' end as paper_source
    from source
)
select * from renamed
