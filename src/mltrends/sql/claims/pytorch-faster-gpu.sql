-- claim pytorch-faster-gpu: adoption data does not measure speed; this counts the
-- reproduction runs that touched a GPU, the only GPU evidence the project has.
select
    null::double as metric,
    null::double as ci_low,
    null::double as ci_high,
    count(*) filter (where gpu_touched) as n,
    format('{} reproductions, {} touched a GPU; none times comparable training runs',
           count(*), count(*) filter (where gpu_touched)) as detail
from reproductions
