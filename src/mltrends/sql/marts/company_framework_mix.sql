-- mart: company_framework_mix
-- description: For each tracked organisation (github_org_repos) and repo creation year, the frameworks of its public repos. Repos without a deep-learning framework ('none') and forks are left out, so shares are among the organisation's ML repos of that year.
-- grain: one row per organisation, creation year and framework
-- key: company, year, framework
-- sums_to_one: share per company, year
-- column company: lower-case GitHub organisation login (e.g. 'openai', 'google-research')
-- column company_name: the company the organisation belongs to (from the tracked-organisation settings; the login when not set)
-- column year: creation year of the repos
-- column framework: final framework of the repos
-- column repos: the organisation's repos created that year using the framework
-- column total_repos: the organisation's repos created that year with a known framework
-- column share: repos / total_repos
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
with repos as (
    select o.company, o.company_name, coalesce(o.created_year, r.created_year) as year, r.framework
    from stg_org_repos as o
    join repo_framework as r on r.repo = o.repo
    where r.framework <> 'none' and not r.is_fork
),
counts as (
    select company, any_value(company_name) as company_name, year, framework, count(*) as repos
    from repos where year is not null group by company, year, framework
),
totals as (
    select company, year, sum(repos)::bigint as total_repos from counts group by all
)
select
    c.company,
    c.company_name,
    c.year,
    c.framework,
    c.repos,
    t.total_repos,
    c.repos / t.total_repos as share,
    wilson_low(c.repos, t.total_repos) as ci_low,
    wilson_high(c.repos, t.total_repos) as ci_high
from counts as c
join totals as t using (company, year)
