-- mart: hub_company_models
-- description: For each tracked company ([hub] tracked_owners) and creation year, the frameworks of the models its Hugging Face Hub namespaces published; the Hub counterpart of company_framework_mix. Models whose framework is 'none' are left out.
-- grain: one row per company, creation year and framework
-- key: company, year, framework
-- sums_to_one: share per company, year
-- column company: the company (e.g. 'Google', 'Meta')
-- column year: creation year of the models
-- column framework: framework of the models' weights
-- column models: the company's models created that year with that framework
-- column total_models: the company's models created that year with a known framework
-- column share: models / total_models
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
-- column owners: the company's Hub namespaces with models that year
with counts as (
    select company, year(created_at) as year, framework, count(*) as models,
           list(distinct owner order by owner) as owners
    from stg_hub_models
    where is_tracked_company and framework <> 'none'
    group by all
),
totals as (
    select company, year, sum(models)::bigint as total_models from counts group by all
)
select
    c.company,
    c.year,
    c.framework,
    c.models,
    t.total_models,
    c.models / t.total_models as share,
    wilson_low(c.models, t.total_models) as ci_low,
    wilson_high(c.models, t.total_models) as ci_high,
    c.owners
from counts as c
join totals as t using (company, year)
