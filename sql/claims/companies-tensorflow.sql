-- claim companies-tensorflow: TensorFlow share of the ML repos (framework known, no forks)
-- that Google, Airbnb, Coca-Cola and PayPal's GitHub organisations created in their last 3
-- creation years, pooled (organisations matched by login or by their configured company).
with orgs as (
    select unnest(['google', 'google-research', 'google-deepmind', 'googlecloudplatform',
                   'airbnb', 'coca-cola', 'the-coca-cola-company', 'paypal']) as company
),
recent as (
    select m.* from company_framework_mix as m
    where (m.company in (select company from orgs) or lower(m.company_name) in ('google', 'airbnb', 'coca-cola', 'the coca-cola company', 'paypal'))
      and m.year >= (select max(year) - 2 from company_framework_mix
                     where company in (select company from orgs) or lower(company_name) in ('google', 'airbnb', 'coca-cola', 'the coca-cola company', 'paypal'))
),
agg as (
    select coalesce(sum(repos) filter (where framework = 'tensorflow'), 0)::bigint as k,
           coalesce(sum(repos), 0)::bigint as n,
           string_agg(distinct company, ', ' order by company) as companies
    from recent
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} recent ML repos use TensorFlow (organisations: {})', k, n,
           coalesce(companies, 'none found')) as detail
from agg
