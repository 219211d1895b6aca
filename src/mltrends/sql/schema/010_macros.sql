-- supersedes checksum 1b0ad66f15f7edc3
-- The macros this migration created now live in sql/macros/ and are re-applied on every
-- writable connection and build (a migration is applied once; macros are code).
select 1;
