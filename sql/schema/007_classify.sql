-- Classifier outputs.

create table if not exists owner_sectors (
    login         varchar primary key,
    sector        varchar not null,      -- academic | industry | individual | nonprofit_or_government | unknown
    probability   double,
    probabilities json,
    model_version varchar,
    predicted_at  timestamp not null
);

create table if not exists repo_purposes (
    repo          varchar primary key,
    purpose       varchar not null,      -- research_artefact | production | unknown
    probability   double,
    model_version varchar,
    predicted_at  timestamp not null
);
