-- Is JAX growing in research? JAX papers and share per publication year, with the 95%
-- Wilson interval (wilson_low / wilson_high are macros stored in the database).
with yearly as (
    select year(quarter_start) as year, sum(papers) filter (where framework = 'jax') as jax,
           sum(papers) as papers
    from framework_share_quarterly
    group by all
)
select year, coalesce(jax, 0) as jax_papers, papers,
       round(coalesce(jax, 0) / papers, 3) as share,
       round(wilson_low(coalesce(jax, 0), papers), 3) as ci_low,
       round(wilson_high(coalesce(jax, 0), papers), 3) as ci_high
from yearly
order by year;
