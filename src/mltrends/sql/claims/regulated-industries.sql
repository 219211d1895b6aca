-- claim regulated-industries: the sources cannot tell healthcare or finance owners apart;
-- this counts owners the classifier put into such sectors (none, by its design).
select
    null::double as metric,
    null::double as ci_low,
    null::double as ci_high,
    count(*) filter (where sector in ('healthcare', 'finance')) as n,
    format('{} owners classified, none into healthcare or finance', count(*)) as detail
from owner_sectors
