-- How much do detection errors move the research shares? Observed vs corrected shares of the
-- headline population's recent quarters, each with its 95% interval, or the reason there is
-- no corrected number (too few validated repositories). Written by `mltrends claims`.
select framework,
       round(observed_share, 3) as observed, round(observed_low, 3) as observed_low,
       round(observed_high, 3) as observed_high,
       round(corrected_share, 3) as corrected, round(corrected_low, 3) as corrected_low,
       round(corrected_high, 3) as corrected_high,
       n_population, n_validated, status, window_first, window_last
from corrected_framework_share
order by observed_share desc;
