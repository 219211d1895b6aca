-- claim hf-pytorch: PyTorch share among the papers that Hugging Face Hub models cite
-- (`arxiv:` tags), each paper once, counted by the framework of the first model released
-- for it (hub_paper_first_model; framework known, i.e. not 'none').
with agg as (
    select count(*) filter (where framework = 'pytorch') as k, count(*) as n
    from hub_paper_first_model
    where framework <> 'none'
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('the first Hub model of {} of {} papers holds PyTorch weights', k, n) as detail
from agg
