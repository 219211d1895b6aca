-- Framework detection from code and manifests.

create table if not exists repo_frameworks (
    repo          varchar not null,
    framework     varchar not null,      -- closed vocabulary
    evidence      varchar not null,      -- evidence kind: import | manifest | notebook | dockerfile | label
    source        varchar not null,      -- code | manifest | pwc_label
    score         double,
    is_primary    boolean not null default false,
    details       json,                  -- [{"path","line","kind","context"}]
    detected_at   timestamp not null,
    primary key (repo, framework, evidence)
);
