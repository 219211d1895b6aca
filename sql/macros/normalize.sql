-- SQL twins of mltrends.normalize, for bulk loads inside DuckDB and for users' queries.
-- Re-applied on every writable connection and every build (migration 010 first created them).

create or replace macro canonical_repo(url) as (
    with parts as (
        select regexp_extract(
            regexp_replace(trim(url), '^git@([^:]+):', 'https://\1/'),
            '^(?:[a-zA-Z+]+://)?(?:www\.)?([^/]+)/+([^/]+)/+([^/#?]+)',
            ['host', 'owner', 'name']
        ) as p
    )
    select case
        when url is null or p.host = '' then null
        when lower(split_part(split_part(p.host, '@', -1), ':', 1)) = 'github.com'
            then lower(p.owner) || '/' || regexp_replace(lower(p.name), '\.git$', '')
        else lower(split_part(split_part(p.host, '@', -1), ':', 1)) || '/' || lower(p.owner) || '/'
             || regexp_replace(lower(p.name), '\.git$', '')
    end from parts
);

create or replace macro canonical_framework(label) as (
    case
        when label is null then 'none'
        when lower(trim(label)) in ('tf', 'tensorflow', 'tensorflow2', 'tf2') then 'tensorflow'
        when lower(trim(label)) in ('pytorch', 'torch') then 'pytorch'
        when lower(trim(label)) in ('jax', 'flax') then 'jax'
        when lower(trim(label)) in ('paddle', 'paddlepaddle') then 'paddle'
        when lower(trim(label)) in ('keras', 'mxnet', 'mindspore', 'other') then lower(trim(label))
        when lower(trim(label)) in ('none', '') then 'none'
        else 'other'
    end
);

create or replace macro arxiv_base_id(value) as (
    nullif(coalesce(
        nullif(regexp_extract(value, '(\d{4}\.\d{4,5})(?:v\d+)?', 1), ''),
        nullif(regexp_extract(value, '([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?', 1), '')
    ), '')
);

create or replace macro quarter_of(d) as (
    case when d is null then null else year(d)::varchar || 'Q' || quarter(d)::varchar end
);
