-- claim edge-tensorflow: TensorFlow's share of the TensorFlow + PyTorch downloads in the
-- mobile/edge family (TF Lite, LiteRT vs ExecuTorch, PyTorch mobile) over the last 6
-- complete months that do not straddle a series break; the interval is the range of the
-- monthly shares, n the number of months.
with months as (
    select month,
           sum(downloads) filter (where framework = 'tensorflow') as tf,
           sum(downloads) filter (where framework in ('tensorflow', 'pytorch')) as both_
    from pypi_family_share
    where family = 'mobile_edge' and not is_partial_month and not crosses_series_break
    group by month
    having sum(downloads) filter (where framework in ('tensorflow', 'pytorch')) > 0
    order by month desc
    limit 6
)
select
    sum(coalesce(tf, 0)) / nullif(sum(both_), 0) as metric,
    min(coalesce(tf, 0) / both_) as ci_low,
    max(coalesce(tf, 0) / both_) as ci_high,
    count(*) as n,
    format('TensorFlow {} of {} mobile/edge downloads from {} to {}',
           sum(coalesce(tf, 0))::bigint, sum(both_)::bigint, min(month), max(month)) as detail
from months
