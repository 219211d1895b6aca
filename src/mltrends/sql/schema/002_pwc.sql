-- Papers with Code: archive dumps and the catalogue / v1 APIs.

create table if not exists pwc_papers (
    paper_id     varchar primary key,   -- dump: PwC slug from paper_url ('attention-is-all-you-need'); catalogue: its id
    arxiv_id     varchar,               -- without version ('1706.03762')
    title        varchar,
    abstract     varchar,
    published    date,
    year         integer,               -- publication year (year of `published`)
    quarter      varchar,               -- publication quarter, '2019Q2'
    venue        varchar,               -- 'CVPR' (from proceeding / conference)
    venue_year   integer,               -- year of the venue edition ('CVPR 2019 6' -> 2019)
    proceeding   varchar,               -- raw value, e.g. 'CVPR 2019 6'
    authors      varchar[],
    tasks        varchar[],
    methods      varchar[],
    organizations varchar[],
    url_abs      varchar,
    citation_count integer,             -- catalogue only
    has_hf_artifacts boolean,           -- catalogue only: the paper lists Hugging Face models, datasets or Spaces
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
    pwc_framework       varchar,            -- closed vocabulary: pytorch tensorflow jax keras mxnet paddle mindspore other none (null: no label given)
    pwc_framework_raw   varchar,
    _source             varchar not null,
    _fetched_at         timestamp not null,
    primary key (paper_id, repo)
);

-- 'CVPR 2019 6' -> 'CVPR', 'NIPS 2017 12' -> 'NeurIPS', 'CVPR 2026' -> 'CVPR'; a slug such as
-- 'proceedings-of-the-27th-international' names no venue -> null.
create or replace macro pwc_venue(value) as (
    with m as (
        select nullif(regexp_extract(trim(value), '^([A-Za-z][A-Za-z0-9&.\-]*(?: [A-Za-z][A-Za-z0-9&.\-]*)*) +(?:19|20)[0-9]{2}(?: |$)', 1), '') as name
    )
    select case when upper(name) in ('NIPS', 'NEURIPS') then 'NeurIPS' else upper(name) end from m
);

-- 'CVPR 2019 6' -> 2019 (null when the value names no venue edition)
create or replace macro pwc_venue_year(value) as (
    try_cast(nullif(regexp_extract(trim(value), '^[A-Za-z][A-Za-z0-9&.\- ]*? +((?:19|20)[0-9]{2})(?: |$)', 1), '') as integer)
);

-- 'https://paperswithcode.com/paper/attention-is-all-you-need' -> 'attention-is-all-you-need'
create or replace macro pwc_paper_slug(url) as (
    nullif(case
        when contains(url, '/paper/') then regexp_extract(trim(url), '/paper/([^/?#]+)', 1)
        else regexp_extract(trim(url), '([^/?#]+)/?(?:[?#].*)?$', 1)
    end, '')
);
