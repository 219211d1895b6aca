-- The reproduction job: one row per repo per run.

create table if not exists reproductions (
    run_id             varchar not null,
    repo               varchar not null,      -- canonical key (or the URL for non-GitHub sources)
    url                varchar,
    commit             varchar,
    claimed_framework  varchar,
    static_primary     varchar,
    runtime_frameworks varchar[],
    stage_reached      integer,               -- 0..4
    failure_category   varchar,               -- clone env import entrypoint timeout killed sandbox (null = none)
    gpu_touched        boolean,               -- null when no GPU was present
    stages             json,                  -- [{"stage","ok","seconds","detail"}]
    executor           varchar,
    record             json,                  -- the full per-repo record
    finished_at        timestamp not null,
    primary key (run_id, repo)
);
