-- Issue 21: each claim's unit, interval method and calendar window are stored with its
-- verdict (the pwc_archive series break they check is seeded by 011_source_names); the
-- label correction (corrected_framework_share, formerly a mart) is a table the claims step
-- writes with mltrends.label_correction.
alter table claims_scorecard add column if not exists unit varchar;          -- share | points | points per year
alter table claims_scorecard add column if not exists interval_method varchar;
alter table claims_scorecard add column if not exists window_first varchar;  -- first period of the window ('2025Q4')
alter table claims_scorecard add column if not exists window_last varchar;

drop table if exists corrected_framework_share;
create table corrected_framework_share (
    framework       varchar primary key,
    observed_share  double,            -- share by detected framework in the corrected population
    observed_low    double,
    observed_high   double,
    corrected_share double,            -- null when status is not 'corrected'
    corrected_low   double,
    corrected_high  double,
    n_population    bigint,            -- papers of the population detected as this framework
    n_validated     bigint,            -- reproduced repos of this stratum that reached the import stage
    status          varchar not null,  -- corrected | not enough validated repositories (...)
    window_first    varchar,
    window_last     varchar,
    evaluated_at    timestamp not null
);
