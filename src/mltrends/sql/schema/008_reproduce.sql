-- The reproduction job: one row per repo per run (key run_id, repo).
-- Stages: 1 imports resolve, 2 entrypoint smoke run, 3 framework confirmed at runtime,
-- 4 GPU touched (only when a GPU is present: gpu_touched is null without one).

create table if not exists reproductions (
    run_id             varchar not null,
    repo               varchar not null,      -- canonical key (or the URL for non-GitHub sources)
    url                varchar,
    commit             varchar,               -- git commit, or 'local-<digest>' for a local directory
    claimed_framework  varchar,               -- the PwC label (closed vocabulary); null when unknown
    static_primary     varchar,               -- the static detector's primary framework
    runtime_frameworks varchar[],             -- frameworks imported at runtime, first import first
    runtime_primary    varchar,               -- first framework imported ('none' when none was)
    stage_reached      integer,               -- 0..4
    failure_category   varchar,               -- clone env import entrypoint timeout killed sandbox (null = none)
    gpu_present        boolean,
    gpu_touched        boolean,               -- null when no GPU was present
    stages             json,                  -- [{"stage","ok","seconds","detail"}]
    executor           varchar,               -- local | ray
    sandbox            varchar,               -- root | userns | none
    seconds            double,
    paper_id           varchar,
    record             json,                  -- the full per-repo record
    finished_at        timestamp not null,
    primary key (run_id, repo)
);
