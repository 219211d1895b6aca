-- One name per source (see mltrends/sources/registry.py): the part of load_state.source and
-- rejected_records.source before any ':' is the registry's name (pwc, hf, github, pypi).
update load_state set source = 'pwc', resource = 'api:' || resource where source = 'pwc-api';
update load_state set source = 'pwc', resource = 'dumps-loaded'
    where source = 'refresh' and resource = 'pwc-dump';
update load_state set source = 'hf' where source = 'hf-papers';
update rejected_records set source = 'pwc:' || substr(source, 5)
    where source like 'pwc-dump:%' or source like 'pwc-api:%' or source like 'pwc-v1:%';
update rejected_records set source = 'hf:daily' where source = 'hf-papers:daily';
update rejected_records set source = 'github:graphql' where source = 'github-graphql';
update rejected_records set source = 'pypi:' || source where source in ('pypistats', 'depsdev', 'bigquery');

-- Where a series changes definition: the one place these dates are written. Charts, claims,
-- the report and the refresh's default cursor read them from here.
insert into series_breaks values
    ('pypi_downloads', date '2026-08-24',
     'download counts include only .whl, .tar.gz and .zip requests from this day'),
    ('pwc_archive', date '2025-07-01',
     'the Papers with Code archive dumps end; later papers come from the catalogue and Hugging Face')
on conflict do nothing;
