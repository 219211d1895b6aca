-- Framework detection from code and manifests (mltrends.detect), plus the PwC label.
-- One row per (repo, framework, evidence kind); `mltrends detect --ingested` replaces a
-- repo's rows on every run.

create table if not exists repo_frameworks (
    repo          varchar not null,
    framework     varchar not null,      -- closed vocabulary (none when nothing was found)
    evidence      varchar not null,      -- evidence kind: import | notebook | model | backend | manifest | dockerfile | label | scan
    source        varchar not null,      -- code | manifest | pwc_label
    score         double,                -- the framework's share of the repo's dependency evidence; for a label, its share of the repo's PwC links
    is_primary    boolean not null default false,  -- the repo's framework: detected primary, else the most common PwC label
    details       json,                  -- [{"path","line","kind","context","name"}] (at most 100)
    detected_at   timestamp not null,
    primary key (repo, framework, evidence)
);
