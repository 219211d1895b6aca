-- claim edge-tensorflow: TensorFlow's share of the TensorFlow + PyTorch downloads in the
-- mobile/edge family (TF Lite, LiteRT vs ExecuTorch, PyTorch mobile) over the last 6
-- complete calendar months before the refresh date; months that straddle a series break or
-- have no data are left out and counted. The interval is the range of the monthly shares
-- (a spread, not a confidence interval); n is the number of months used.
with window_ as (
    select date_trunc('month', getvariable('as_of')::date) - interval 6 month as first_month,
           date_trunc('month', getvariable('as_of')::date) - interval 1 month as last_month
),
months as (
    select month,
           sum(downloads) filter (where framework = 'tensorflow') as tf,
           sum(downloads) filter (where framework in ('tensorflow', 'pytorch')) as both_
    from pypi_family_share, window_
    where family = 'mobile_edge' and not is_partial_month and not crosses_series_break
      and month between first_month and last_month
    group by month
    having sum(downloads) filter (where framework in ('tensorflow', 'pytorch')) > 0
)
select
    sum(coalesce(tf, 0)) / nullif(sum(both_), 0) as metric,
    min(coalesce(tf, 0) / both_) as ci_low,
    max(coalesce(tf, 0) / both_) as ci_high,
    count(*) as n,
    strftime(any_value(w.first_month), '%Y-%m') as window_first,
    strftime(any_value(w.last_month), '%Y-%m') as window_last,
    format('TensorFlow {} of {} mobile/edge downloads in {} of the 6 months (months straddling a series break or without data left out)',
           coalesce(sum(coalesce(tf, 0)), 0)::bigint, coalesce(sum(both_), 0)::bigint, count(month)) as detail
from window_ as w
left join months on true
