-- Companies whose repos moved from TensorFlow to PyTorch: tracked organisations whose
-- TensorFlow repos are older on average than their PyTorch repos, with the years each
-- framework led.
with by_company as (
    select company,
           sum(repos) filter (where framework = 'tensorflow') as tensorflow_repos,
           sum(repos) filter (where framework = 'pytorch') as pytorch_repos,
           sum(year * repos) filter (where framework = 'tensorflow')
               / sum(repos) filter (where framework = 'tensorflow') as tensorflow_mean_year,
           sum(year * repos) filter (where framework = 'pytorch')
               / sum(repos) filter (where framework = 'pytorch') as pytorch_mean_year,
           max(year) filter (where framework = 'tensorflow') as last_tensorflow_year
    from company_framework_mix
    group by company
)
select company, tensorflow_repos, pytorch_repos,
       round(tensorflow_mean_year, 1) as tensorflow_mean_year,
       round(pytorch_mean_year, 1) as pytorch_mean_year, last_tensorflow_year
from by_company
where tensorflow_repos > 0 and pytorch_repos > 0 and tensorflow_mean_year < pytorch_mean_year
order by pytorch_mean_year - tensorflow_mean_year desc;
