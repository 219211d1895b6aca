-- GitHub: repositories, owners, manifests, star snapshots and star history.

create table if not exists github_repos (
    repo            varchar primary key,   -- canonical lower-case owner/name as requested
    owner           varchar,               -- lower-case login
    name_with_owner varchar,               -- as GitHub spells it now
    status          varchar not null,      -- ok | not_found (gone or private) | moved (renamed; data is the new repo's)
    moved_to        varchar,               -- canonical new name when status = 'moved'
    description     varchar,
    stars           integer,
    forks           integer,
    created_at      timestamp,
    pushed_at       timestamp,
    is_fork         boolean,
    is_archived     boolean,
    primary_language varchar,
    license         varchar,
    topics          varchar[],
    has_releases    boolean,
    homepage        varchar,
    _source         varchar not null,      -- 'github-graphql' | 'github-rest'
    _fetched_at     timestamp not null
);

create table if not exists github_owners (
    login       varchar primary key,       -- lower case
    display_login varchar,
    type        varchar,                   -- User | Organization
    name        varchar,
    company     varchar,
    blog        varchar,
    email       varchar,
    location    varchar,
    description varchar,                   -- org description or user bio
    is_verified boolean,
    _source     varchar not null,
    _fetched_at timestamp not null
);

create table if not exists github_manifests (
    repo        varchar not null,
    path        varchar not null,          -- requirements.txt, setup.py, pyproject.toml ...
    content     varchar,
    _source     varchar not null,
    _fetched_at timestamp not null,
    primary key (repo, path)
);

create table if not exists github_star_snapshots (
    repo          varchar not null,
    snapshot_date date not null,
    stars         integer,
    forks         integer,
    _fetched_at   timestamp not null,
    primary key (repo, snapshot_date)
);

create table if not exists github_star_history (
    repo        varchar not null,
    page        integer not null,          -- stargazer page sampled
    starred_at  timestamp not null,
    position    integer not null,          -- 1-based index of the star in the full list
    sampled     boolean not null,          -- true when pages were sampled (over the 400-page cap)
    _fetched_at timestamp not null,
    primary key (repo, position)
);

create table if not exists github_org_repos (
    org         varchar not null,          -- lower-case organisation login
    repo        varchar not null,          -- canonical owner/name
    company     varchar,                   -- company the organisation belongs to ([github.tracked_orgs])
    created_year integer,
    created_at  timestamp,
    is_fork     boolean,
    _fetched_at timestamp not null,
    primary key (org, repo)
);
