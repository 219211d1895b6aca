-- claim openai-migrated: PyTorch share of the openai organisation's PyTorch and TensorFlow
-- repos created from 2020 on, minus the same share before 2020 (OpenAI announced its move
-- in January 2020). n is the smaller of the two periods' repo counts.
with periods as (
    select
        year >= 2020 as after,
        coalesce(sum(repos) filter (where framework = 'pytorch'), 0) as k,
        coalesce(sum(repos) filter (where framework in ('pytorch', 'tensorflow')), 0) as n
    from company_framework_mix
    where company = 'openai'
    group by year >= 2020
),
p as (
    select
        coalesce(max(k) filter (where after), 0) as k1, coalesce(max(n) filter (where after), 0) as n1,
        coalesce(max(k) filter (where not after), 0) as k0, coalesce(max(n) filter (where not after), 0) as n0
    from periods
),
w as (
    select *, k1 / nullif(n1, 0) as p1, k0 / nullif(n0, 0) as p0,
           wilson_low(k1, n1) as l1, wilson_high(k1, n1) as u1,
           wilson_low(k0, n0) as l0, wilson_high(k0, n0) as u0
    from p
)
select
    p1 - p0 as metric,
    p1 - p0 - sqrt((p1 - l1) ^ 2 + (u0 - p0) ^ 2) as ci_low,
    p1 - p0 + sqrt((u1 - p1) ^ 2 + (p0 - l0) ^ 2) as ci_high,
    least(n0, n1) as n,
    format('openai repos: PyTorch {} of {} before 2020, {} of {} from 2020', k0, n0, k1, n1) as detail
from w
