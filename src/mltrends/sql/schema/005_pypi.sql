-- PyPI adoption signals: pypistats downloads, deps.dev versions and dependents.
-- Loaded by mltrends.sources.pypi (and pypi_bigquery for the optional full history).

-- pypistats keeps 180 days; every run upserts the window it sees, so history accumulates.
-- Categories: 'without_mirrors' (daily total), 'os:<system>', 'python:<minor>' (daily),
-- and 'bigquery:monthly' (date = first day of the month; from the BigQuery dataset,
-- mirrors excluded like pypistats). Never sum across categories: filter on one.
-- The counting definition changed on 2026-08-24: see series_breaks.
create table if not exists pypi_downloads (
    package    varchar not null,
    date       date not null,
    category   varchar not null,     -- 'without_mirrors' | 'os:Linux' | 'python:3.11' | 'bigquery:monthly'
    downloads  bigint not null,
    _source    varchar not null,     -- 'pypistats' | 'bigquery' (':synthetic' appended for demo data)
    _fetched_at timestamp not null,
    primary key (package, date, category)
);

create table if not exists pypi_versions (
    package      varchar not null,
    version      varchar not null,
    published_at timestamp,          -- null when deps.dev gives no date
    is_default   boolean,            -- deps.dev's default (latest stable) version
    _source      varchar not null,
    _fetched_at  timestamp not null,
    primary key (package, version)
);

-- One row per package per day it was fetched: counts for the default version at that time.
-- Counts are null when deps.dev's (unversioned, v3alpha) dependents endpoint gave none.
create table if not exists pypi_dependents (
    package        varchar not null,
    snapshot_date  date not null,
    version        varchar,
    dependents     bigint,
    direct         bigint,
    indirect       bigint,
    _source        varchar not null,
    _fetched_at    timestamp not null,
    primary key (package, snapshot_date)
);

create table if not exists pypi_packages (
    package    varchar primary key,  -- PEP 503 normalised name
    family     varchar not null,     -- core | high_level | serving | mobile_edge | distributed | ecosystem | untracked
    framework  varchar not null,     -- closed vocabulary
    status     varchar not null,     -- ok | empty (no downloads in the window) | unknown (404)
    _fetched_at timestamp not null
);

-- Dates where a series changes definition; charts and claims must not compare across them silently.
create table if not exists series_breaks (
    series     varchar not null,     -- 'pypi_downloads'
    break_date date not null,
    description varchar not null,
    primary key (series, break_date)
);
