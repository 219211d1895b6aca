-- Hugging Face Hub models (GET /api/models sorted by createdAt, newest first).

create table if not exists hub_models (
    model_id      varchar primary key,  -- 'owner/name' as the Hub spells it
    owner         varchar not null,     -- `author`, else the part of the id before '/'
    created_at    timestamp not null,
    last_modified timestamp,
    library_name  varchar,              -- e.g. 'transformers', 'diffusers', 'keras', 'gguf'
    pipeline_tag  varchar,
    tags          varchar[],            -- framework, format, language, license and 'arxiv:' tags
    arxiv_ids     varchar[],            -- arXiv ids of the 'arxiv:' tags, without version
    downloads     bigint,               -- last 30 days, as of _fetched_at
    likes         bigint,
    _source       varchar not null,
    _fetched_at   timestamp not null
);

-- one row per model and day it was seen: downloads and likes accumulate into trends
create table if not exists hub_model_snapshots (
    model_id      varchar not null,
    snapshot_date date not null,
    downloads     bigint,
    likes         bigint,
    _source       varchar not null,
    _fetched_at   timestamp not null,
    primary key (model_id, snapshot_date)
);

-- Hub owners the settings name as companies ([hub_models] tracked_owners)
create table if not exists hub_owners (
    owner         varchar primary key,  -- lower-case Hub namespace
    company       varchar not null,
    kind          varchar not null,     -- 'organization'
    _source       varchar not null,
    _fetched_at   timestamp not null
);
