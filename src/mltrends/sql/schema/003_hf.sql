-- Hugging Face Papers (daily papers and paper pages).

create table if not exists hf_papers (
    arxiv_id      varchar primary key,
    title         varchar,
    summary       varchar,
    published     date,
    year          integer,
    quarter       varchar,
    daily_date    date,               -- day it was listed on daily papers
    github_repo   varchar,            -- canonical owner/repo
    github_repo_url varchar,
    github_stars  integer,
    organization  varchar,
    upvotes       integer,
    ai_keywords   varchar[],
    _source       varchar not null,
    _fetched_at   timestamp not null
);
