-- claim companies-tensorflow: TensorFlow share of the ML repos (framework known, no forks)
-- that Google, Airbnb, Coca-Cola and PayPal's GitHub organisations created in their last 3
-- creation years, pooled. Which organisations belong to which company is data
-- (mltrends/data/tracked_orgs.toml, or [github] tracked_orgs): the claim names companies.
with companies as (
    select unnest(['google', 'airbnb', 'coca-cola', 'the coca-cola company', 'paypal']) as name
),
recent as (
    select m.* from company_framework_mix as m
    where lower(m.company_name) in (select name from companies)
      and m.year >= (select max(year) - 2 from company_framework_mix
                     where lower(company_name) in (select name from companies))
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
