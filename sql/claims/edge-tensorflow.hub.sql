-- view: Hugging Face Hub: TensorFlow Lite share of the new models shipping TensorFlow Lite or ExecuTorch weights, last 12 complete months
-- min_n: 30
-- Each format counts the models created that month that ship it (hub_formats_monthly);
-- a model shipping both counts on both sides. 95% Wilson interval.
with months as (
    select month,
           sum(models) filter (where format = 'tflite') as tflite,
           sum(models) filter (where format in ('tflite', 'executorch')) as both_
    from hub_formats_monthly
    where not is_partial_month
    group by month
    order by month desc
    limit 12
),
agg as (
    select coalesce(sum(tflite), 0)::bigint as k, coalesce(sum(both_), 0)::bigint as n,
           min(month) as first_month, max(month) as last_month
    from months
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('TensorFlow Lite {} of {} new TFLite/ExecuTorch models from {} to {}', k, n,
           first_month, last_month) as detail
from agg
