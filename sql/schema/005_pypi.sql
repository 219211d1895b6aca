-- PyPI adoption signals: pypistats downloads, deps.dev versions and dependents.

create table if not exists pypi_downloads (
    package    varchar not null,
    date       date not null,
    category   varchar not null,     -- 'without_mirrors' | 'os:Linux' | 'python:3.11' ...
    downloads  bigint not null,
    _source    varchar not null,     -- 'pypistats' | 'bigquery'
    _fetched_at timestamp not null,
    primary key (package, date, category)
);

create table if not exists pypi_versions (
    package      varchar not null,
    version      varchar not null,
    published_at timestamp,
    is_default   boolean,
    _source      varchar not null,
    _fetched_at  timestamp not null,
    primary key (package, version)
);

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
    package    varchar primary key,
    family     varchar not null,     -- core | high_level | serving | mobile_edge | distributed | ecosystem
    framework  varchar not null,     -- closed vocabulary
    status     varchar not null,     -- ok | unknown (404)
    _fetched_at timestamp not null
);

create table if not exists series_breaks (
    series     varchar not null,     -- 'pypi_downloads'
    break_date date not null,
    description varchar not null,
    primary key (series, break_date)
);
