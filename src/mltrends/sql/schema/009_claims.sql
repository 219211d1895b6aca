-- The claims scorecard.

create table if not exists claims_scorecard (
    claim_id     varchar primary key,
    quote        varchar not null,
    metric_name  varchar,
    metric       double,
    ci_low       double,
    ci_high      double,
    n            bigint,
    verdict      varchar not null,     -- supported | contradicted | inconclusive | not measurable
    rule         varchar,
    reason       varchar,
    evidence_sql varchar,
    evaluated_at timestamp not null
);
