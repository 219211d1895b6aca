-- claim industry-tensorflow: per industry organisation, its non-fork production repos with a
-- known framework (a = TensorFlow, b = PyTorch, n = all); the framework vendors' own
-- organisations (vendor_org) are left out: a vendor using its own framework is not adoption.
with dl as (
    select
        max(download_share) filter (where framework = 'tensorflow') as tf_dl,
        max(download_share) filter (where framework = 'pytorch') as pt_dl
    from adoption_summary
)
select
    owner,
    count(*) filter (where framework = 'tensorflow') as a,
    count(*) filter (where framework = 'pytorch') as b,
    count(*) as n,
    format('core downloads: TensorFlow {}%, PyTorch {}%; vendor organisations left out: {} repos',
           coalesce(round(100 * any_value(dl.tf_dl), 1)::varchar, 'n/a'),
           coalesce(round(100 * any_value(dl.pt_dl), 1)::varchar, 'n/a'),
           (select count(*) from repo_framework as v
            where v.sector = 'industry' and v.purpose = 'production' and v.framework <> 'none'
              and not v.is_fork and vendor_org(v.owner))) as note
from repo_framework, dl
where sector = 'industry' and purpose = 'production' and framework <> 'none' and not is_fork
  and not vendor_org(owner)
group by owner
