-- mart: hub_paper_first_model
-- description: For every paper that Hugging Face Hub models cite (an 'arxiv:' tag), the first model released for it and the framework of its weights, joined to the paper key of paper_implementations. Among the paper's models with a known framework (not 'none'), the earliest created, then the first by id.
-- grain: one row per paper cited by at least one Hub model
-- key: paper_id
-- column paper_id: paper id as in paper_implementations; 'arxiv:<id>' for papers no paper source knows
-- column arxiv_id: arXiv id without version
-- column model_id: the first Hub model released for the paper
-- column owner: owner of that model
-- column created_at: when that model was created on the Hub
-- column framework: framework of that model's weights (rule in stg_hub_models)
-- column framework_evidence: weights_tag, library or none
-- column n_models: Hub models citing the paper
-- column code_framework: framework of the paper's first implementation on GitHub (first_implementation_framework), null when it has none
-- column year: year the first model was created
with cites as (
    select m.*, a.arxiv_id
    from stg_hub_models as m, unnest(m.arxiv_ids) as a(arxiv_id)
),
papers as (
    select arxiv_id, paper_id from stg_papers where arxiv_id is not null
    qualify row_number() over (partition by arxiv_id order by paper_source = 'hf', paper_id) = 1
),
keyed as (
    select coalesce(p.paper_id, 'arxiv:' || c.arxiv_id) as paper_id, c.*
    from cites as c
    left join papers as p on p.arxiv_id = c.arxiv_id
),
first_model as (
    select *, count(*) over (partition by paper_id) as n_models
    from keyed
    qualify row_number() over (
        partition by paper_id order by (framework <> 'none') desc, created_at, model_id) = 1
)
select
    f.paper_id,
    f.arxiv_id,
    f.model_id,
    f.owner,
    f.created_at,
    f.framework,
    f.framework_evidence,
    f.n_models,
    i.framework as code_framework,
    year(f.created_at) as year
from first_model as f
left join first_implementation_framework as i on i.paper_id = f.paper_id
