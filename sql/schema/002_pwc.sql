-- Papers with Code: archive dumps and the catalogue / v1 APIs.

create table if not exists pwc_papers (
    paper_id     varchar primary key,   -- PwC slug from paper_url ('attention-is-all-you-need'), or catalogue id
    arxiv_id     varchar,               -- without version ('1706.03762')
    title        varchar,
    abstract     varchar,
    published    date,
    year         integer,
    quarter      varchar,               -- '2019Q2'
    venue        varchar,               -- 'CVPR' (from proceeding / conference)
    venue_year   integer,
    proceeding   varchar,               -- raw value, e.g. 'CVPR 2019 6'
    authors      varchar[],
    tasks        varchar[],
    methods      varchar[],
    organizations varchar[],
    url_abs      varchar,
    _source      varchar not null,      -- 'pwc-dump' | 'pwc-api' | 'pwc-v1'
    _fetched_at  timestamp not null
);

create table if not exists pwc_paper_repos (
    paper_id            varchar not null,
    repo                varchar not null,   -- canonical 'owner/repo' (lower case); non-GitHub hosts keep their host
    repo_url            varchar,            -- as given
    is_official         boolean,
    mentioned_in_paper  boolean,
    mentioned_in_github boolean,
    pwc_framework       varchar,            -- closed vocabulary: pytorch tensorflow jax keras mxnet paddle mindspore other none
    pwc_framework_raw   varchar,
    _source             varchar not null,
    _fetched_at         timestamp not null,
    primary key (paper_id, repo)
);
