-- claim tpu-tensorflow: among repos whose detection evidence mentions TPU code paths
-- (tf.distribute.TPUStrategy, jax TPU backends, torch_xla), the TensorFlow share.
with tpu as (
    select distinct r.repo, r.framework
    from repo_frameworks as e
    join repo_framework as r on r.repo = e.repo
    where lower(coalesce(e.details::varchar, '')) like '%tpu%' and r.framework <> 'none'
),
agg as (
    select count(*) filter (where framework = 'tensorflow') as k, count(*) as n from tpu
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} repos with TPU code paths use TensorFlow', k, n) as detail
from agg
