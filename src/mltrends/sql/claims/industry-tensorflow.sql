-- claim industry-tensorflow: TensorFlow share minus PyTorch share among non-fork production
-- repos of industry owners (a positive difference means TensorFlow leads), with the PyPI
-- core-family download shares alongside.
with s as (
    select
        max(industry_share) filter (where framework = 'tensorflow') as tf,
        max(industry_share) filter (where framework = 'pytorch') as pt,
        max(industry_total) as n,
        max(download_share) filter (where framework = 'tensorflow') as tf_dl,
        max(download_share) filter (where framework = 'pytorch') as pt_dl
    from adoption_summary
)
select
    tf - pt as metric,
    tf - pt - 1.96 * sqrt((tf + pt - (tf - pt) ^ 2) / n) as ci_low,
    tf - pt + 1.96 * sqrt((tf + pt - (tf - pt) ^ 2) / n) as ci_high,
    n,
    format('industry production repos: TensorFlow {}%, PyTorch {}% of {}; core downloads: TensorFlow {}%, PyTorch {}%',
           round(100 * tf, 1), round(100 * pt, 1), n,
           coalesce(round(100 * tf_dl, 1)::varchar, 'n/a'),
           coalesce(round(100 * pt_dl, 1)::varchar, 'n/a')) as detail
from s
