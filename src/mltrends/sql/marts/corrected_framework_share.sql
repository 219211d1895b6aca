-- mart: corrected_framework_share
-- description: The research share of each framework (adoption_summary.research_share, last 4 complete quarters) corrected with the label accuracy the reproduction job measured. With P(observed | claimed) from label_confusion_matrix, corrected_share(f) = sum over claimed labels c of observed_share(c) * P(f | c); a label that was never validated is taken as correct. This needs no matrix inversion: the matrix is estimated in the claimed-to-true direction. Empty when no reproduction observed a framework.
-- grain: one row per framework that has an observed or a corrected share
-- key: framework
-- sums_to_one: corrected_share per -
-- column framework: framework
-- column observed_share: share of papers by their claimed (label/detection) framework
-- column corrected_share: share after correcting with the measured label accuracy
-- column correction: corrected_share - observed_share
-- column n_validated: reproductions whose claimed framework is this one
-- column label_accuracy: share of those reproductions whose runtime framework matched the claim (null when none was validated)
with observed as (
    select framework, research_share as observed_share
    from adoption_summary
    where research_share > 0 and exists (select 1 from label_confusion_matrix)
),
mixed as (
    select coalesce(m.observed_framework, o.framework) as framework,
           o.observed_share * coalesce(m.share_of_claimed, 1.0) as part
    from observed as o
    left join label_confusion_matrix as m on m.claimed_framework = o.framework
),
corrected as (
    select framework, sum(part) as corrected_share from mixed group by framework
),
validated as (
    select claimed_framework as framework, any_value(claimed_total) as n_validated,
           coalesce(max(share_of_claimed) filter (where observed_framework = claimed_framework), 0.0)
               as label_accuracy
    from label_confusion_matrix group by claimed_framework
)
select
    coalesce(o.framework, c.framework) as framework,
    coalesce(o.observed_share, 0.0) as observed_share,
    coalesce(c.corrected_share, 0.0) as corrected_share,
    coalesce(c.corrected_share, 0.0) - coalesce(o.observed_share, 0.0) as correction,
    coalesce(v.n_validated, 0) as n_validated,
    v.label_accuracy
from observed as o
full join corrected as c on c.framework = o.framework
left join validated as v on v.framework = coalesce(o.framework, c.framework)
