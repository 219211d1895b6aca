-- staging view: stg_github_owners
-- grain: one row per GitHub owner (user or organisation) looked up
-- key: login
with source as (
    select login, type, name, company, blog, email, location, description, is_verified
    from github_owners
)
select * from source
