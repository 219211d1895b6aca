-- claim papers-pytorch-first: for papers with several implementations, the framework of
-- the official (else earliest) implementation.
with first as (
    select framework from first_implementation_framework
    where n_implementations >= 2 and framework <> 'none'
),
agg as (
    select count(*) filter (where framework = 'pytorch') as k, count(*) as n from first
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} papers with 2+ implementations have a PyTorch first implementation; all publication years pooled, across the Papers with Code archive break ({}), implementations from both eras', k, n,
           (select coalesce(min(break_date)::varchar, 'none recorded') from series_breaks where series = 'pwc_archive'))
        as detail
from agg
