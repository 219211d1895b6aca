-- mart: research_papers
-- description: One row per paper with code, with its framework in two populations. The headline population (official_framework) is defined the same way before and after the July 2025 end of the Papers with Code archive: the paper's official implementation, its framework detected by mltrends from code or manifests (never a label). The archive's own view (pwc_label_framework) is the Papers-with-Code label of the paper's links, which exists only for archive papers.
-- grain: one row per paper with at least one implementation
-- key: paper_id
-- column paper_id: paper id, as in paper_implementations
-- column quarter: publication quarter ('2019Q2')
-- column quarter_start: first day of the publication quarter
-- column published: publication date
-- column paper_source: pwc, catalogue or hf
-- column era: archive (published before the pwc_archive series break) or after_archive
-- column has_official: true when the paper has an official implementation (the headline population)
-- column official_repo: the official implementation counted (one per paper: detected framework first, then earliest)
-- column official_framework: framework of the official implementation detected by mltrends (code or manifest); 'none' when detection found none; null without an official implementation
-- column pwc_label_framework: Papers-with-Code framework label of the paper's links (official first); null when no link has one
-- column research_area: research area of the paper's tasks (stg_task_areas), the first area by task order; null when no task is mapped
-- column nlp: true when any of the paper's tasks is a Natural Language Processing task in stg_task_areas
-- column has_hf_artifacts: true when the paper has a Hugging Face Papers page or catalogue-listed artifacts
with papers as (
    select paper_id, quarter, published, paper_source, tasks, has_hf_artifacts
    from first_implementation_framework
),
archive_end as (
    select min(break_date) as d from stg_series_breaks where series = 'pwc_archive'
),
official as (
    select paper_id, repo,
           case when framework_source in ('code', 'manifest') then framework else 'none' end as detected
    from paper_implementations
    where coalesce(is_official, false)
    qualify row_number() over (
        partition by paper_id
        order by (framework_source in ('code', 'manifest') and framework <> 'none') desc,
                 repo_created_at asc nulls last, repo) = 1
),
labelled as (
    select paper_id, canonical_framework(pwc_framework) as label
    from paper_implementations
    where pwc_framework is not null and canonical_framework(pwc_framework) <> 'none'
    qualify row_number() over (
        partition by paper_id
        order by coalesce(is_official, false) desc, repo_created_at asc nulls last, repo) = 1
),
areas as (
    select p.paper_id,
           min(a.area order by t.i) as research_area,
           bool_or(a.area = 'Natural Language Processing') as nlp
    from papers as p,
         unnest(coalesce(p.tasks, []::varchar[])) with ordinality as t(task, i)
    join stg_task_areas as a on a.task = t.task
    group by p.paper_id
)
select
    p.paper_id,
    p.quarter,
    quarter_start_of(p.quarter) as quarter_start,
    p.published,
    p.paper_source,
    case when p.published < (select d from archive_end) then 'archive' else 'after_archive' end as era,  -- no break row: all after_archive
    o.paper_id is not null as has_official,
    o.repo as official_repo,
    o.detected as official_framework,
    l.label as pwc_label_framework,
    a.research_area,
    coalesce(a.nlp, false) as nlp,
    p.has_hf_artifacts
from papers as p
left join official as o on o.paper_id = p.paper_id
left join labelled as l on l.paper_id = p.paper_id
left join areas as a on a.paper_id = p.paper_id
