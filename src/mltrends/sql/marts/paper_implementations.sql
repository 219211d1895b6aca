-- mart: paper_implementations
-- description: Every implementation of every paper: Papers-with-Code papers (archive dump and catalogue) and Hugging Face papers, each paper+repo link with its PwC label, the detected framework and the final framework (detected beats label; the label stands where no code was seen).
-- grain: one row per paper and linked repository
-- key: paper_id, repo
-- column paper_id: PwC paper id (slug or catalogue id); 'arxiv:<id>' for papers only Hugging Face Papers knows
-- column arxiv_id: arXiv id without version
-- column title: paper title
-- column repo: canonical repository key (lower-case owner/name)
-- column is_official: PwC's official-implementation flag (null for links from Hugging Face Papers)
-- column pwc_framework: Papers-with-Code framework label of the link (null when the link has no label)
-- column detected_framework: framework found by static detection of the repo (null when not detected)
-- column framework: final framework: code detection, else a manifest detection naming a framework, else the PwC label, else 'none'
-- column framework_source: which evidence gave the final framework: code, manifest, pwc_label or none
-- column venue: conference of the paper ('CVPR', 'NeurIPS', ...), null when not published at a venue
-- column venue_year: year of the venue edition
-- column year: publication year
-- column quarter: publication quarter ('2019Q2')
-- column published: publication date
-- column tasks: Papers-with-Code tasks of the paper
-- column paper_source: where the paper comes from: pwc (archive dump or v1 API), catalogue (the read-only catalogue after July 2025) or hf (Hugging Face Papers only)
-- column has_hf_artifacts: true when the paper has a Hugging Face Papers page, or the catalogue lists Hugging Face models, datasets or Spaces for it
-- column repo_created_at: creation time of the GitHub repository (null when not fetched)
select
    l.paper_id,
    p.arxiv_id,
    p.title,
    l.repo,
    l.is_official,
    l.pwc_framework,
    d.detected_framework,
    final_framework(d.detected_framework, d.detected_source, l.pwc_framework) as framework,
    final_framework_source(d.detected_framework, d.detected_source, l.pwc_framework) as framework_source,
    p.venue,
    p.venue_year,
    p.year,
    p.quarter,
    p.published,
    p.tasks,
    coalesce(p.paper_source, case when l.paper_id like 'arxiv:%' then 'hf' else 'pwc' end) as paper_source,
    coalesce(p.has_hf_artifacts, false) as has_hf_artifacts,
    g.created_at as repo_created_at
from stg_paper_links as l
left join stg_papers as p on p.paper_id = l.paper_id
left join stg_repo_detected as d on d.repo = l.repo
left join stg_github_repos as g on g.repo = l.repo
