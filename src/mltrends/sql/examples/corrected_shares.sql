-- How much do the framework labels lie? Observed vs corrected research shares, using the
-- label accuracy measured by the reproduction job (empty until reproductions exist).
select framework, round(observed_share, 3) as observed, round(corrected_share, 3) as corrected,
       round(correction, 3) as correction, n_validated, round(label_accuracy, 3) as label_accuracy
from corrected_framework_share
order by observed_share desc;
