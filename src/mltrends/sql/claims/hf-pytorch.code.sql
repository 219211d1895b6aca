-- view: GitHub code: PyTorch share of papers with a Hugging Face Papers page and code
-- PyTorch share among papers with code that have a Hugging Face Papers page (each paper
-- once, first implementation, framework known); the scorecard's measure before the Hub.
with agg as (
    select count(*) filter (where framework = 'pytorch') as k, count(*) as n
    from first_implementation_framework
    where has_hf_artifacts and framework <> 'none'
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} papers with a Hugging Face page and code use PyTorch; all publication years pooled, across the Papers with Code archive break ({})', k, n,
           (select coalesce(min(break_date)::varchar, 'none recorded') from series_breaks where series = 'pwc_archive')) as detail
from agg
