-- The reproduction job's stage ladder (issue 18): how far each repository got past its
-- imports. Columns are added, never changed: stage_reached keeps its 0..4 meaning.
--   furthest_stage: none clone env imports entrypoint framework model step gpu (the last
--                   stage reached without a gap; gpu only when a GPU was present)
--   failure_category gains: missing_data missing_weights network needs_gpu arguments

alter table reproductions add column if not exists furthest_stage varchar;
alter table reproductions add column if not exists model_built boolean;      -- a framework model object was created (null: no framework imported)
alter table reproductions add column if not exists step_ran boolean;         -- backward, optimizer step, jitted call, fit or forward on a batch
alter table reproductions add column if not exists model_class varchar;      -- the largest root model seen
alter table reproductions add column if not exists model_params bigint;      -- its parameter count
alter table reproductions add column if not exists model_device varchar;     -- where its parameters lived (cpu, cuda:0, ...)
alter table reproductions add column if not exists step_kinds varchar[];     -- kinds of step seen
alter table reproductions add column if not exists command_source varchar;   -- given | readme | tests | entrypoint | entrypoint --help
alter table reproductions add column if not exists gpu_nvml_confirmed boolean; -- NVML listed the sandbox's process on a GPU (null: NVML unavailable or no GPU)
