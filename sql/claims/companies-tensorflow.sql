-- claim companies-tensorflow: per organisation of Google, Airbnb, Coca-Cola and PayPal
-- (matched by login or configured company), its ML repos (framework known, no forks) created
-- in the last 3 complete calendar years before the refresh date (a = TensorFlow, n = all).
-- The framework vendors' own organisations (vendor_org, e.g. tensorflow) are left out.
with orgs as (
    select unnest(['google', 'google-research', 'google-deepmind', 'googlecloudplatform',
                   'airbnb', 'coca-cola', 'the-coca-cola-company', 'paypal']) as company
),
years as (
    select year(getvariable('as_of')::date) - 3 as first_year,
           year(getvariable('as_of')::date) - 1 as last_year
)
select
    m.company as owner,
    coalesce(sum(m.repos) filter (where m.framework = 'tensorflow'), 0)::bigint as a,
    0 as b,
    sum(m.repos)::bigint as n,
    any_value(y.first_year)::varchar as window_first,
    any_value(y.last_year)::varchar as window_last
from company_framework_mix as m, years as y
where (m.company in (select company from orgs)
       or lower(m.company_name) in ('google', 'airbnb', 'coca-cola', 'the coca-cola company', 'paypal'))
  and m.year between y.first_year and y.last_year
  and not vendor_org(m.company)
group by m.company
