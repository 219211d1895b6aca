-- Which isolation each reproduction had (issue 16): e.g. 'bubblewrap, a dedicated uid,
-- seccomp, memory watchdog', or a fallback launcher, or 'none (no sandbox)'. Null for rows written
-- before this column existed.
alter table reproductions add column if not exists isolation varchar;
