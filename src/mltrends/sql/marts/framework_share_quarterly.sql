-- mart: framework_share_quarterly
-- description: The Papers-with-Code "Trends" view rebuilt and extended past July 2025 (catalogue and Hugging Face Papers): per publication quarter, the share of papers with code whose implementation uses each framework. Each paper counts once, with the framework of its first implementation (first_implementation_framework). Papers whose framework is unknown ('none') are left out of numerator and denominator, as in the PwC Trends chart: shares are among papers with a known framework.
-- grain: one row per quarter and framework with at least one paper
-- key: quarter, framework
-- sums_to_one: share per quarter
-- column quarter: publication quarter ('2019Q2')
-- column quarter_start: first day of the quarter
-- column framework: framework (closed vocabulary, 'none' excluded)
-- column papers: papers of the quarter whose first implementation uses the framework
-- column total_papers: papers of the quarter with a known framework (the denominator; 'none' excluded)
-- column share: papers / total_papers
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
-- column is_partial_quarter: true when the quarter is not over, or the data (the latest published paper, with or without code) ends before the quarter does: its share is provisional
with papers as (
    select quarter, framework
    from first_implementation_framework
    where quarter is not null and framework <> 'none'
),
coverage as (
    select max(published) as last_day from stg_papers
),
counts as (
    select quarter, framework, count(*) as papers from papers group by quarter, framework
),
totals as (
    select quarter, sum(papers)::bigint as total_papers from counts group by quarter
)
select
    c.quarter,
    quarter_start_of(c.quarter) as quarter_start,
    c.framework,
    c.papers,
    t.total_papers,
    c.papers / t.total_papers as share,
    wilson_low(c.papers, t.total_papers) as ci_low,
    wilson_high(c.papers, t.total_papers) as ci_high,
    coalesce(quarter_start_of(c.quarter) + interval 3 month
             > least(current_date, cov.last_day + 1), true) as is_partial_quarter
from counts as c
join totals as t on t.quarter = c.quarter
cross join coverage as cov
