-- view: Hugging Face Hub: {framework} share of these companies' Hub models (framework known), last 3 complete creation years
-- min_n: 20
-- The claim's companies (getvariable('companies')) and framework (getvariable('target'));
-- their Hub namespaces are the tracked owners ([hub] tracked_owners); models pooled over
-- the companies (hub_company_models), not resampled by organisation as the GitHub measure
-- is. 95% Wilson interval.
with recent as (
    select * from hub_company_models
    where lower(company) in (select lower(unnest(getvariable('companies')::varchar[])))
      and year between year(getvariable('as_of')::date) - 3 and year(getvariable('as_of')::date) - 1
),
per_company as (
    select company, sum(models)::bigint as models from recent group by company
),
agg as (
    select coalesce(sum(models) filter (where framework = getvariable('target')), 0)::bigint as k,
           coalesce(sum(models), 0)::bigint as n
    from recent
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} recent Hub models use {} ({})', k, n, getvariable('target_label'),
           coalesce((select string_agg(company || ' ' || models, ', ' order by company) from per_company),
                    'no models of these companies')) as detail
from agg
