-- mart: research_share_quarterly
-- description: Framework shares of papers with code per quarter in two populations side by side. official_detected (the headline): papers with an official implementation, framework detected by mltrends, the same definition on both sides of the pwc_archive break. pwc_label: the archive's own view, papers with a Papers-with-Code framework label (archive papers only). Shares are among papers with a known framework; coverage says how many of the population's papers that is.
-- grain: one row per population, quarter and framework with at least one paper
-- key: population, quarter, framework
-- sums_to_one: share per population, quarter
-- accepted: population: official_detected, pwc_label
-- column population: official_detected (headline) or pwc_label (archive labels)
-- column quarter: publication quarter ('2019Q2')
-- column quarter_start: first day of the quarter
-- column framework: framework (closed vocabulary, 'none' excluded)
-- column papers: papers of the quarter in this population using the framework
-- column total_papers: papers of the quarter in this population with a known framework (the denominator)
-- column population_papers: all papers of the quarter in this population, known framework or not
-- column coverage: total_papers / population_papers: the share of the population whose framework is known
-- column share: papers / total_papers
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
-- column crosses_series_break: true when the quarter contains the pwc_archive break date
with rows_ as (
    select 'official_detected' as population, quarter, official_framework as framework
    from research_papers where has_official and quarter is not null
    union all
    select 'pwc_label', quarter, pwc_label_framework
    from research_papers where paper_source = 'pwc' and pwc_label_framework is not null
        and quarter is not null
),
population as (
    select population, quarter, count(*) as population_papers from rows_ group by all
),
counts as (
    select population, quarter, framework, count(*) as papers
    from rows_ where framework <> 'none' group by all
),
totals as (
    select population, quarter, sum(papers)::bigint as total_papers from counts group by all
),
breaks as (
    select break_date from stg_series_breaks where series = 'pwc_archive'
)
select
    c.population,
    c.quarter,
    quarter_start_of(c.quarter) as quarter_start,
    c.framework,
    c.papers,
    t.total_papers,
    p.population_papers,
    t.total_papers / p.population_papers as coverage,
    c.papers / t.total_papers as share,
    wilson_low(c.papers, t.total_papers) as ci_low,
    wilson_high(c.papers, t.total_papers) as ci_high,
    exists (select 1 from breaks as b
            where b.break_date > quarter_start_of(c.quarter)
              and b.break_date < quarter_start_of(c.quarter) + interval 3 month) as crosses_series_break
from counts as c
join totals as t using (population, quarter)
join population as p using (population, quarter)
