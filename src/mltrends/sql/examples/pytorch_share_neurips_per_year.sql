-- PyTorch share at NeurIPS per year (papers with code, each paper once), with the 95%
-- interval and the published figure (share among papers mentioning PyTorch or TensorFlow).
select year, papers, total_papers, round(share, 3) as share,
       round(ci_low, 3) as ci_low, round(ci_high, 3) as ci_high,
       round(share_of_pytorch_tensorflow, 3) as share_of_pytorch_tensorflow,
       round(published_share, 3) as published_share, round(difference, 3) as difference
from framework_share_by_venue
where venue = 'NeurIPS' and framework = 'pytorch'
order by year;
