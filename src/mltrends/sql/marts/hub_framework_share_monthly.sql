-- mart: hub_framework_share_monthly
-- description: Framework of the models created on the Hugging Face Hub each month, for three populations: all models, organisation-owned models and the tracked companies' models. Each model counts once, for the framework its weights use (rule in stg_hub_models).
-- grain: one row per population, month and framework
-- key: population, month, framework
-- sums_to_one: share per population, month
-- accepted: population: all, organisation, tracked_company
-- column population: all, organisation (owner is a tracked company or a GitHub organisation of the same login) or tracked_company
-- column month: first day of the month the models were created
-- column framework: framework of the models' weights
-- column models: models of the population created that month with that framework
-- column total_models: models of the population created that month
-- column share: models / total_models
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
-- column is_partial_month: true for the current month, still filling up
with populations as (
    select 'all' as population, month, framework from stg_hub_models
    union all
    select 'organisation', month, framework from stg_hub_models where is_organisation
    union all
    select 'tracked_company', month, framework from stg_hub_models where is_tracked_company
),
counts as (
    select population, month, framework, count(*) as models from populations group by all
),
totals as (
    select population, month, sum(models)::bigint as total_models from counts group by all
)
select
    c.population,
    c.month,
    c.framework,
    c.models,
    t.total_models,
    c.models / t.total_models as share,
    wilson_low(c.models, t.total_models) as ci_low,
    wilson_high(c.models, t.total_models) as ci_high,
    c.month >= date_trunc('month', current_date) as is_partial_month
from counts as c
join totals as t using (population, month)
