-- claim research-pytorch-dominates: papers of the headline population (official
-- implementation, framework detected by mltrends) per quarter and framework ('none' kept so
-- coverage can be checked); the level estimator takes the last 4 complete calendar quarters.
select quarter, official_framework as framework, count(*) as papers
from research_papers
where has_official and quarter is not null
group by all
order by quarter, framework
