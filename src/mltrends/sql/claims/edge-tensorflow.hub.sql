-- view: Hugging Face Hub: TensorFlow Lite share of the new models shipping TensorFlow Lite or ExecuTorch weights, last 12 complete calendar months
-- min_n: 30
-- Each format counts the models created that month that ship it (hub_formats_monthly);
-- a model shipping both counts on both sides. The window is the 12 complete calendar months
-- before the refresh date. 95% Wilson interval.
with bounds as (
    select date_trunc('month', getvariable('as_of')::date)::date as window_end
),
months as (
    select month,
           sum(models) filter (where format = 'tflite') as tflite,
           sum(models) filter (where format in ('tflite', 'executorch')) as both_
    from hub_formats_monthly, bounds
    where month >= window_end - interval 12 month and month < window_end
    group by month
),
agg as (
    select coalesce(sum(tflite), 0)::bigint as k, coalesce(sum(both_), 0)::bigint as n,
           (select (window_end - interval 12 month)::date from bounds) as first_month,
           (select (window_end - interval 1 month)::date from bounds) as last_month
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
