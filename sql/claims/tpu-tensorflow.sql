-- claim tpu-tensorflow: among repos whose detection recorded a TPU code path (evidence
-- 'tpu': tf.distribute.TPUStrategy, TPUEstimator flags, torch_xla, JAX TPU devices or
-- platforms; matched as whole tokens by mltrends.detect.tpu), the TensorFlow share of
-- their final framework.
with tpu as (
    select distinct r.repo, r.framework
    from repo_frameworks as e
    join repo_framework as r on r.repo = e.repo
    where e.evidence = 'tpu' and r.framework <> 'none'
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
