-- claim enterprise-prefer-tf: TensorFlow share minus PyTorch share among all non-fork repos
-- (research and production) of owners classified as industry.
with repos as (
    select framework from repo_framework
    where sector = 'industry' and framework <> 'none' and not is_fork
),
s as (
    select
        count(*) filter (where framework = 'tensorflow') / nullif(count(*), 0) as tf,
        count(*) filter (where framework = 'pytorch') / nullif(count(*), 0) as pt,
        count(*) as n
    from repos
)
select
    tf - pt as metric,
    tf - pt - 1.96 * sqrt((tf + pt - (tf - pt) ^ 2) / n) as ci_low,
    tf - pt + 1.96 * sqrt((tf + pt - (tf - pt) ^ 2) / n) as ci_high,
    n,
    format('industry-owned repos: TensorFlow {}%, PyTorch {}% of {}',
           round(100 * tf, 1), round(100 * pt, 1), n) as detail
from s
