-- Download share of TensorFlow Lite / LiteRT vs ExecuTorch and other mobile/edge runtimes
-- per month; months straddling the 2026-08-24 change of the download definition are flagged.
select month, framework, downloads, round(share, 3) as share_of_mobile_edge,
       crosses_series_break, after_series_break, is_partial_month
from pypi_family_share
where family = 'mobile_edge'
order by month, framework;
