-- staging view: stg_hub_models
-- grain: one row per Hugging Face Hub model
-- key: model_id
-- Framework of a model, from the closed vocabulary (pytorch, tensorflow, jax, keras,
-- mxnet, paddle, mindspore, other, none):
--   1. Tags that name a framework's own weights: 'pytorch' -> pytorch; 'tf', 'tensorflow',
--      'tflite' -> tensorflow; 'jax', 'flax' -> jax; 'keras', 'tf-keras' -> keras; 'mxnet'
--      -> mxnet; 'paddlepaddle', 'paddle' -> paddle; 'mindspore' -> mindspore.
--   2. A model with several of them counts once: for the framework its library runs on
--      when that is one of them, else for the first in the order above (n_frameworks
--      keeps how many it has).
--   3. Weights in a framework-neutral format only (safetensors, gguf, onnx, coreml,
--      executorch, ...), or no weights tag at all: the framework the model's library runs
--      on (library_map below: transformers, diffusers, timm, sentence-transformers, peft,
--      ... -> pytorch; keras, tf-keras, keras-hub -> keras; paddlenlp -> paddle; ...).
--      Safetensors weights of a transformers model are PyTorch weights.
--   4. A library outside the map (llama.cpp/gguf, mlx, sklearn, onnx, ...) -> other;
--      no library and no framework tag -> none.
-- Formats: a deployment format counts when its tag or the library names it.
-- Organisation-owned: the owner is a tracked company ([hub] tracked_owners, table
-- hub_owners) or a GitHub organisation with the same login; the Hub API's model list does
-- not say whether an owner is a user or an organisation.
with source as (
    select * from hub_models
),
library_map(library, framework) as (
    values ('transformers', 'pytorch'), ('diffusers', 'pytorch'), ('timm', 'pytorch'),
           ('sentence-transformers', 'pytorch'), ('peft', 'pytorch'), ('pytorch', 'pytorch'),
           ('open_clip', 'pytorch'), ('setfit', 'pytorch'), ('nemo', 'pytorch'),
           ('speechbrain', 'pytorch'), ('espnet', 'pytorch'), ('pyannote-audio', 'pytorch'),
           ('flair', 'pytorch'), ('fastai', 'pytorch'), ('stable-baselines3', 'pytorch'),
           ('ultralytics', 'pytorch'), ('span-marker', 'pytorch'), ('adapter-transformers', 'pytorch'),
           ('allennlp', 'pytorch'), ('fairseq', 'pytorch'), ('asteroid', 'pytorch'),
           ('ml-agents', 'pytorch'), ('lerobot', 'pytorch'), ('executorch', 'pytorch'),
           ('keras', 'keras'), ('tf-keras', 'keras'), ('keras-hub', 'keras'), ('keras-nlp', 'keras'),
           ('tensorflow', 'tensorflow'), ('tensorflowtts', 'tensorflow'), ('tflite', 'tensorflow'),
           ('jax', 'jax'), ('flax', 'jax'), ('paddlenlp', 'paddle'), ('paddleocr', 'paddle'),
           ('paddlepaddle', 'paddle'), ('mindspore', 'mindspore'), ('mxnet', 'mxnet'), ('gluonts', 'mxnet')
),
tag_map(tag, framework, rank) as (
    values ('pytorch', 'pytorch', 1), ('tf', 'tensorflow', 2), ('tensorflow', 'tensorflow', 2),
           ('tflite', 'tensorflow', 2), ('jax', 'jax', 3), ('flax', 'jax', 3), ('keras', 'keras', 4),
           ('tf-keras', 'keras', 4), ('mxnet', 'mxnet', 5), ('paddlepaddle', 'paddle', 6),
           ('paddle', 'paddle', 6), ('mindspore', 'mindspore', 7)
),
tagged as (
    select s.model_id, t.framework, min(t.rank) as rank
    from source as s, unnest(s.tags) as u(tag)
    join tag_map as t on t.tag = lower(u.tag)
    group by all
),
weights as (
    select model_id, count(*) as n_frameworks, list(framework order by rank) as frameworks
    from tagged group by model_id
),
owners as (
    select owner, company from hub_owners
),
github_orgs as (
    select lower(login) as owner from github_owners where type = 'Organization'
),
renamed as (
    select
        s.model_id,
        s.owner,
        lower(s.owner) as owner_key,
        s.created_at,
        date_trunc('month', s.created_at)::date as month,
        s.last_modified,
        s.library_name,
        s.pipeline_tag,
        s.tags,
        s.arxiv_ids,
        s.downloads,
        s.likes,
        coalesce(w.n_frameworks, 0) as n_frameworks,
        case
            when w.n_frameworks = 1 then w.frameworks[1]
            when w.n_frameworks > 1 and list_contains(w.frameworks, l.framework) then l.framework
            when w.n_frameworks > 1 then w.frameworks[1]
            when l.framework is not null then l.framework
            when s.library_name is not null then 'other'
            else 'none'
        end as framework,
        case
            when w.n_frameworks >= 1 then 'weights_tag'
            when l.framework is not null then 'library'
            else 'none'
        end as framework_evidence,
        list_contains(s.tags, 'onnx') or s.library_name = 'onnx' as has_onnx,
        list_contains(s.tags, 'tflite') or s.library_name = 'tflite' as has_tflite,
        list_contains(s.tags, 'executorch') or s.library_name = 'executorch' as has_executorch,
        list_contains(s.tags, 'gguf') or s.library_name = 'gguf' as has_gguf,
        list_contains(s.tags, 'coreml') or s.library_name = 'coreml' as has_coreml,
        list_contains(s.tags, 'safetensors') as has_safetensors,
        o.company,
        o.owner is not null as is_tracked_company,
        o.owner is not null or g.owner is not null as is_organisation
    from source as s
    left join weights as w on w.model_id = s.model_id
    left join library_map as l on l.library = lower(s.library_name)
    left join owners as o on o.owner = lower(s.owner)
    left join github_orgs as g on g.owner = lower(s.owner)
)
select * from renamed
