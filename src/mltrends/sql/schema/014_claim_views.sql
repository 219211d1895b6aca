-- Further evidence for a claim beside its main metric (sql/claims/<claim_id>.<view>.sql),
-- e.g. the Hugging Face Hub view of a claim measured on downloads or GitHub repos.

create table if not exists claim_views (
    claim_id     varchar not null,
    view         varchar not null,      -- e.g. 'hub', 'code'
    label        varchar not null,      -- what the view measures (its query's `-- view:` line)
    metric       double,
    ci_low       double,
    ci_high      double,
    n            bigint,
    verdict      varchar not null,      -- the claim's rule applied to this view
    reason       varchar,
    evidence_sql varchar not null,
    evaluated_at timestamp not null,
    primary key (claim_id, view)
);
