-- mart: first_implementation_framework
-- description: One implementation per paper, the one whose framework counts for the paper in every paper share: among implementations with a known framework (not 'none'), the official one, else the earliest created repository, else the first by name. Papers whose implementations all have framework 'none' keep one of them with framework 'none'.
-- grain: one row per paper with at least one implementation
-- key: paper_id
-- column paper_id: paper id, as in paper_implementations
-- column repo: the chosen implementation
-- column framework: final framework of the chosen implementation
-- column framework_source: evidence of that framework: code, manifest, pwc_label or none
-- column n_implementations: number of repositories linked to the paper
-- column chosen_by: official when the chosen implementation is the official one, earliest otherwise
-- column venue: conference of the paper
-- column venue_year: year of the venue edition
-- column year: publication year
-- column quarter: publication quarter ('2019Q2')
-- column published: publication date
-- column tasks: Papers-with-Code tasks of the paper
-- column paper_source: pwc, catalogue or hf
-- column has_hf_artifacts: true when the paper has a Hugging Face Papers page or catalogue-listed Hugging Face artifacts
select
    paper_id,
    repo,
    framework,
    framework_source,
    count(*) over (partition by paper_id) as n_implementations,
    case when coalesce(is_official, false) then 'official' else 'earliest' end as chosen_by,
    venue,
    venue_year,
    year,
    quarter,
    published,
    tasks,
    paper_source,
    has_hf_artifacts
from paper_implementations
qualify row_number() over (
    partition by paper_id
    order by (framework <> 'none') desc, coalesce(is_official, false) desc,
             repo_created_at asc nulls last, repo
) = 1
