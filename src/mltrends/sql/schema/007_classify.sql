-- Classifier outputs (written by mltrends.classify.predict_all) and the models behind them.

create table if not exists owner_sectors (
    login         varchar primary key,
    sector        varchar not null,      -- academic | industry | individual | nonprofit_or_government | unknown
    probability   double,                -- calibrated probability of the best class
    probabilities json,                  -- {"academic": p, ...}
    model_version varchar,
    predicted_at  timestamp not null
);

create table if not exists repo_purposes (
    repo          varchar primary key,
    purpose       varchar not null,      -- research_artefact | production | unknown
    probability   double,
    probabilities json,
    model_version varchar,
    predicted_at  timestamp not null
);

create table if not exists classifier_models (
    model_version varchar primary key,   -- e.g. 'sector-f1-<labels sha256 prefix>'
    kind          varchar not null,      -- sector | purpose
    labels_file   varchar,
    labels_sha256 varchar not null,      -- hash of the training data
    trained_at    timestamp,
    macro_f1      double,                -- stratified k-fold CV
    baseline_macro_f1 double,            -- rules baseline, same run
    metrics       json,
    used_at       timestamp not null
);
