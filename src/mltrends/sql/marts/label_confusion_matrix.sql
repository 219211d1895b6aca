-- mart: label_confusion_matrix
-- description: The reproduction job's calibration of framework labels: for repos it ran and whose imports it observed, the claimed framework (the label the project used) against the framework observed at runtime. Empty when no reproduction observed a framework.
-- grain: one row per claimed and observed framework pair
-- key: claimed_framework, observed_framework
-- sums_to_one: share_of_claimed per claimed_framework
-- column claimed_framework: framework the repo was labelled with when sampled
-- column observed_framework: framework imported at runtime (the claimed one when it was among several)
-- column repos: repos with this pair (latest run per repo)
-- column claimed_total: repos with this claimed framework
-- column share_of_claimed: repos / claimed_total: the probability of the observed framework given the claim
select
    claimed_framework,
    observed_framework,
    count(*) as repos,
    (sum(count(*)) over (partition by claimed_framework))::bigint as claimed_total,
    count(*) / sum(count(*)) over (partition by claimed_framework) as share_of_claimed
from stg_reproductions
group by claimed_framework, observed_framework
