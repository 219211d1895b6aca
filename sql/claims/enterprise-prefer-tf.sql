-- claim enterprise-prefer-tf: per industry organisation, all its non-fork repos (research and
-- production) with a known framework (a = TensorFlow, b = PyTorch, n = all); the framework
-- vendors' own organisations (vendor_org) are left out.
select
    owner,
    count(*) filter (where framework = 'tensorflow') as a,
    count(*) filter (where framework = 'pytorch') as b,
    count(*) as n
from repo_framework
where sector = 'industry' and framework <> 'none' and not is_fork and not vendor_org(owner)
group by owner
