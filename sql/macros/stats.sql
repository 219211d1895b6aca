-- Macros the models and users' queries share; re-applied on every writable connection and build.
-- They are stored in the database, so a DuckDB CLI session on the published file can use them.

-- 95% Wilson score interval of k successes in n trials (null when n = 0).
create or replace macro wilson_low(k, n, z := 1.96) as (
    case when n is null or n = 0 then null when k = 0 then 0.0 else greatest(0.0,
        ((k::double / n) + z * z / (2.0 * n)
         - z * sqrt((k::double / n) * (1 - k::double / n) / n + z * z / (4.0 * n * n)))
        / (1 + z * z / n)) end
);

create or replace macro wilson_high(k, n, z := 1.96) as (
    case when n is null or n = 0 then null when k = n then 1.0 else least(1.0,
        ((k::double / n) + z * z / (2.0 * n)
         + z * sqrt((k::double / n) * (1 - k::double / n) / n + z * z / (4.0 * n * n)))
        / (1 + z * z / n)) end
);

-- Two-sided 97.5% quantile of Student's t with df degrees of freedom (for slope intervals).
create or replace macro t975(df) as (
    case
        when df is null or df < 1 then null
        when df >= 120 then 1.96
        else list_extract([12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                           2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                           2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042],
                          least(df, 30)::integer)
    end
);

-- First day of the quarter named '2019Q2'.
create or replace macro quarter_start_of(q) as (
    make_date(left(q, 4)::integer, (right(q, 1)::integer - 1) * 3 + 1, 1)
);

-- The final framework of a repo or paper link: code evidence beats manifest evidence,
-- which beats the Papers-with-Code label; a manifest-only 'none' does not override a label.
create or replace macro final_framework(detected, detected_source, label) as (
    case
        when detected is not null and detected_source = 'code' then detected
        when detected is not null and detected <> 'none' then detected
        when label is not null and label <> 'none' then label
        else 'none'
    end
);

create or replace macro final_framework_source(detected, detected_source, label) as (
    case
        when detected is not null and detected_source = 'code' then 'code'
        when detected is not null and detected <> 'none' then detected_source
        when label is not null and label <> 'none' then 'pwc_label'
        else 'none'
    end
);
