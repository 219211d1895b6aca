-- claim research-pytorch-dominates: PyTorch share of papers with code over the last 4
-- complete quarters (each paper once, first implementation, framework known).
select
    research_share as metric,
    research_ci_low as ci_low,
    research_ci_high as ci_high,
    research_total as n,
    format('{} of {} papers with code use PyTorch (last 4 complete quarters)',
           research_papers, research_total) as detail
from adoption_summary
where framework = 'pytorch'
