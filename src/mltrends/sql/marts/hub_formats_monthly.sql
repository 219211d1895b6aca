-- mart: hub_formats_monthly
-- description: Deployment formats of the models created on the Hugging Face Hub each month: how many new models ship ONNX, TensorFlow Lite, ExecuTorch, GGUF or Core ML weights (a model can ship several, so shares do not sum to one).
-- grain: one row per month and format
-- key: month, format
-- accepted: format: onnx, tflite, executorch, gguf, coreml
-- column month: first day of the month the models were created
-- column format: onnx, tflite, executorch, gguf or coreml
-- column models: new models that month with the format (its tag, or the library naming it)
-- column total_models: all new models that month
-- column share: models / total_models
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
-- column is_partial_month: true for the current month, still filling up
with flags as (
    select month, f.format, f.present
    from stg_hub_models,
         unnest([{'format': 'onnx', 'present': has_onnx}, {'format': 'tflite', 'present': has_tflite},
                 {'format': 'executorch', 'present': has_executorch}, {'format': 'gguf', 'present': has_gguf},
                 {'format': 'coreml', 'present': has_coreml}]) as u(f)
),
counts as (
    select month, format, count(*) filter (where present) as models, count(*) as total_models
    from flags group by all
)
select
    month,
    format,
    models,
    total_models,
    models / total_models as share,
    wilson_low(models, total_models) as ci_low,
    wilson_high(models, total_models) as ci_high,
    month >= date_trunc('month', current_date) as is_partial_month
from counts
