-- Core bookkeeping: every command's run, incremental cursors, refused input records.

create table if not exists runs (
    run_id      varchar primary key,  -- <utc stamp>-<command>-<pid>
    command     varchar not null,     -- e.g. 'ingest pwc-dump', 'build', 'refresh'
    source      varchar,              -- pwc | hf | github | pypi | ... (null for non-source steps)
    args        json,
    started_at  timestamp not null,
    finished_at timestamp,
    status      varchar not null,     -- running | succeeded | failed | interrupted
    rows        json,                 -- {"table": rows written}
    error       varchar,
    notes       varchar
);

create table if not exists load_state (
    source     varchar not null,
    resource   varchar not null,      -- e.g. 'pwc-api:papers', 'github:etag:owner/repo'
    value      json not null,         -- cursor, watermark, ETag ...
    updated_at timestamp not null,
    primary key (source, resource)
);

create table if not exists rejected_records (
    source      varchar not null,     -- e.g. 'pwc-dump:links'
    record_hash varchar not null,
    raw_record  varchar,
    reason      varchar not null,
    run_id      varchar,
    rejected_at timestamp not null,
    primary key (source, record_hash)
);

create table if not exists published_figures (
    source               varchar not null,
    citation             varchar not null,
    subject              varchar not null,  -- e.g. 'NeurIPS papers'
    period               varchar not null,  -- e.g. '2019-12'
    measure              varchar not null,  -- e.g. 'pytorch_papers'
    value                double,
    unit                 varchar,
    notes                varchar,
    primary key (source, subject, period, measure)
);
