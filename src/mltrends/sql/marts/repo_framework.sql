-- mart: repo_framework
-- description: The final deep-learning framework of every repository the project knows (paper repos, GitHub repos, tracked organisations' repos, detected repos), with its owner's sector and the repo's purpose.
-- grain: one row per repository
-- key: repo
-- column repo: canonical repository key: lower-case owner/name (other hosts keep their host: host/owner/name)
-- column owner: lower-case GitHub owner login (null for repos on other hosts)
-- column sector: owner sector from the classifier (academic, industry, individual, nonprofit_or_government, unknown); null when the owner is not classified
-- column purpose: repo purpose from the classifier (research_artefact, production, unknown); null when not classified
-- column stars: GitHub stars at the last fetch
-- column created_year: year the GitHub repository was created
-- column is_fork: true when GitHub reports the repository as a fork
-- column is_paper_repo: true when a paper (Papers with Code or Hugging Face Papers) links to the repository
-- column pwc_framework: most frequent Papers-with-Code framework label among the repo's paper links (null when none)
-- column detected_framework: framework found by static detection (code before manifests; null when not detected)
-- column detected_source: where the detected framework came from: code or manifest
-- column framework: final framework: code detection, else a manifest detection naming a framework, else the PwC label, else 'none'
-- column framework_source: which evidence gave the final framework: code, manifest, pwc_label or none
with repos as (
    select repo from stg_paper_links
    union select repo from stg_github_repos
    union select repo from stg_org_repos
    union select repo from stg_repo_detected
),
labels as (
    select repo, pwc_framework
    from (
        select repo, pwc_framework, count(*) as n
        from stg_paper_links
        where pwc_framework is not null and pwc_framework <> 'none'
        group by repo, pwc_framework
    )
    qualify row_number() over (partition by repo order by n desc, pwc_framework) = 1
),
joined as (
    select
        r.repo,
        coalesce(g.owner, case when len(string_split(r.repo, '/')) = 2
                               then split_part(r.repo, '/', 1) end) as owner,
        g.stars,
        g.created_year,
        coalesce(g.is_fork, false) as is_fork,
        r.repo in (select repo from stg_paper_links) as is_paper_repo,
        l.pwc_framework,
        d.detected_framework,
        d.detected_source
    from repos as r
    left join stg_github_repos as g on g.repo = r.repo
    left join labels as l on l.repo = r.repo
    left join stg_repo_detected as d on d.repo = r.repo
)
select
    j.repo,
    j.owner,
    s.sector,
    p.purpose,
    j.stars,
    j.created_year,
    j.is_fork,
    j.is_paper_repo,
    j.pwc_framework,
    j.detected_framework,
    j.detected_source,
    final_framework(j.detected_framework, j.detected_source, j.pwc_framework) as framework,
    final_framework_source(j.detected_framework, j.detected_source, j.pwc_framework) as framework_source
from joined as j
left join stg_owner_sectors as s on s.login = j.owner
left join stg_repo_purposes as p on p.repo = j.repo
