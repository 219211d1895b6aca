-- claim companies-pytorch: PyTorch share of the ML repos (framework known, no forks)
-- that Microsoft, Meta, OpenAI and Tesla's GitHub organisations created in their last 3
-- creation years, pooled (organisations matched by login or by their configured company).
with orgs as (
    select unnest(['microsoft', 'facebookresearch', 'facebook', 'meta-llama',
                   'openai', 'teslamotors', 'tesla']) as company
),
recent as (
    select m.* from company_framework_mix as m
    where (m.company in (select company from orgs) or lower(m.company_name) in ('microsoft', 'meta', 'openai', 'tesla'))
      and m.year >= (select max(year) - 2 from company_framework_mix
                     where company in (select company from orgs) or lower(company_name) in ('microsoft', 'meta', 'openai', 'tesla'))
),
agg as (
    select coalesce(sum(repos) filter (where framework = 'pytorch'), 0)::bigint as k,
           coalesce(sum(repos), 0)::bigint as n,
           string_agg(distinct company, ', ' order by company) as companies
    from recent
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} recent ML repos use PyTorch (organisations: {})', k, n,
           coalesce(companies, 'none found')) as detail
from agg
