-- mart: sector_framework_share
-- description: Framework shares of repositories by owner sector (academic, industry, individual, ...) and by repo purpose (research artefact vs production), with 95% Wilson intervals. Forks and repos whose framework is 'none' (no deep-learning framework found) are left out; repos the classifiers have not seen are grouped as 'unclassified'.
-- grain: one row per dimension, group value and framework
-- key: dimension, group_value, framework
-- sums_to_one: share per dimension, group_value
-- accepted: dimension: sector, purpose
-- accepted: group_value: academic, industry, individual, nonprofit_or_government, unknown, research_artefact, production, unclassified
-- column dimension: sector (of the owner) or purpose (of the repo)
-- column group_value: the sector or purpose value
-- column framework: final framework of the repos (closed vocabulary, 'none' excluded)
-- column repos: repos of the group using the framework
-- column total_repos: repos of the group with a known framework
-- column share: repos / total_repos
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
with repos as (
    select coalesce(sector, 'unclassified') as sector, coalesce(purpose, 'unclassified') as purpose,
           framework
    from repo_framework
    where framework <> 'none' and not is_fork
),
counts as (
    select 'sector' as dimension, sector as group_value, framework, count(*) as repos
    from repos group by all
    union all
    select 'purpose', purpose, framework, count(*) from repos group by all
),
totals as (
    select dimension, group_value, sum(repos)::bigint as total_repos from counts group by all
)
select
    c.dimension,
    c.group_value,
    c.framework,
    c.repos,
    t.total_repos,
    c.repos / t.total_repos as share,
    wilson_low(c.repos, t.total_repos) as ci_low,
    wilson_high(c.repos, t.total_repos) as ci_high
from counts as c
join totals as t using (dimension, group_value)
