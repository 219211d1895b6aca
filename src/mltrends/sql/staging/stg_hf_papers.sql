-- staging view: stg_hf_papers
-- grain: one row per Hugging Face Papers page (an arXiv paper)
-- key: arxiv_id
with source as (
    select * from hf_papers
),
renamed as (
    select
        arxiv_id,
        title,
        published,
        coalesce(year, year(published)) as year,
        coalesce(quarter, quarter_of(published)) as quarter,
        coalesce(nullif(github_repo, ''), canonical_repo(github_repo_url)) as github_repo,
        organization,
        upvotes
    from source
    where arxiv_id is not null
)
select * from renamed
