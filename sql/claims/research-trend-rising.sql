-- claim research-trend-rising: papers of the headline population (official
-- implementation, framework detected by mltrends) per quarter and framework ('none' kept so
-- coverage can be checked); the trend estimator fits a paper-weighted slope over the last 12 complete calendar quarters.
select quarter, official_framework as framework, count(*) as papers
from research_papers
where has_official and quarter is not null
group by all
order by quarter, framework
