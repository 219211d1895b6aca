-- Our share next to the published one (Horace He's conference counts), every venue and
-- year where both exist: where do we agree, where not?
select venue, year, framework, round(share_of_pytorch_tensorflow, 3) as ours,
       round(published_share, 3) as published, round(difference, 3) as difference,
       papers, published_papers, published_source
from framework_share_by_venue
where published_share is not null
order by abs(difference) desc, venue, year;
