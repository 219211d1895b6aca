-- Where the Papers-with-Code label and the code disagree: label -> detected framework,
-- how many links, among links where detection found a framework.
select pwc_framework as label, detected_framework as detected, count(*) as links
from paper_implementations
where pwc_framework is not null and pwc_framework <> 'none'
  and detected_framework is not null and detected_framework <> 'none'
  and pwc_framework <> detected_framework
group by all
order by links desc;
