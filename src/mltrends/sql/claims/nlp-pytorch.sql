-- claim nlp-pytorch: PyTorch share among papers with code whose Papers-with-Code tasks are
-- language tasks, published in the last 12 complete quarters.
with quarters as (
    select distinct quarter, quarter_start from framework_share_quarterly
    where not is_partial_quarter order by quarter_start desc limit 12
),
nlp as (
    select framework from first_implementation_framework
    where framework <> 'none'
      and quarter in (select quarter from quarters)
      and regexp_matches(lower(array_to_string(tasks, ' | ')),
          'language|translation|question answering|summari|sentiment|named entity|text|nlp|dialog|parsing|reading comprehension|speech recognition|natural language')
),
agg as (
    select count(*) filter (where framework = 'pytorch') as k, count(*) as n from nlp
)
select
    k / nullif(n, 0) as metric,
    wilson_low(k, n) as ci_low,
    wilson_high(k, n) as ci_high,
    n,
    format('{} of {} NLP papers with code use PyTorch (last 12 complete quarters)', k, n) as detail
from agg
