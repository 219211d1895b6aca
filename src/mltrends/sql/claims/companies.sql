-- claim companies-pytorch, companies-tensorflow (one query; claims.toml names each claim's
-- companies and framework, read here as getvariable('companies') and getvariable('target')):
-- per GitHub organisation of those companies (organisations belong to companies in
-- mltrends/data/tracked_orgs.toml or [github] tracked_orgs; a claim names companies only),
-- its ML repos (framework known, no forks) created in the last 3 complete calendar years
-- before the refresh date (a = the claim's framework, n = all).
-- The framework vendors' own organisations (vendor_org, e.g. pytorch) are left out.
with years as (
    select year(getvariable('as_of')::date) - 3 as first_year,
           year(getvariable('as_of')::date) - 1 as last_year
)
select
    m.company as owner,
    coalesce(sum(m.repos) filter (where m.framework = getvariable('target')), 0)::bigint as a,
    0 as b,
    sum(m.repos)::bigint as n,
    any_value(y.first_year)::varchar as window_first,
    any_value(y.last_year)::varchar as window_last
from company_framework_mix as m, years as y
where lower(m.company_name) in (select lower(unnest(getvariable('companies')::varchar[])))
  and m.year between y.first_year and y.last_year
  and not vendor_org(m.company)
group by m.company
