-- claim nlp-pytorch: papers of the headline population (official implementation, framework
-- detected by mltrends) with a Natural Language Processing task (stg_task_areas, an audited
-- task-to-area map), per quarter and framework; pooled over the last 12 complete quarters.
select quarter, official_framework as framework, count(*) as papers
from research_papers
where has_official and nlp and quarter is not null
group by all
order by quarter, framework
