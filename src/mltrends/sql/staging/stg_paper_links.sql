-- staging view: stg_paper_links
-- grain: one row per (paper, repo) link: Papers-with-Code links, plus the GitHub repo a
--   Hugging Face paper page names when Papers with Code has no such link
-- key: paper_id, repo
with pwc_links as (
    select paper_id, repo, is_official, pwc_framework, 1 as priority from stg_pwc_paper_repos
),
hf_links as (
    select
        coalesce(m.paper_id, 'arxiv:' || hf.arxiv_id) as paper_id,
        hf.github_repo as repo,
        null::boolean as is_official,
        null::varchar as pwc_framework,
        2 as priority
    from stg_hf_papers as hf
    left join (
        select arxiv_id, min(paper_id) as paper_id from stg_pwc_papers
        where arxiv_id is not null group by arxiv_id
    ) as m on m.arxiv_id = hf.arxiv_id
    where hf.github_repo is not null
),
renamed as (
    select paper_id, repo, is_official, pwc_framework
    from (select * from pwc_links union all select * from hf_links)
    qualify row_number() over (partition by paper_id, repo order by priority) = 1
)
select * from renamed
