-- mart: framework_share_by_venue
-- description: Per venue and year, the framework shares of that venue's papers with code (each paper once, first implementation; framework 'none' left out of the denominator), side by side with published figures of the same venue edition. The published figure (Horace He's conference counts) counts papers exclusively (a paper mentioning PyTorch and not TensorFlow is a PyTorch paper, and the reverse) and counts Keras as TensorFlow; published_share = framework_papers / (pytorch_papers + tensorflow_papers). Our comparable number is computed like with like: each paper has one framework (its first implementation's), Keras papers count as TensorFlow, share_of_pytorch_tensorflow = comparison_papers / comparison_total, and difference = share_of_pytorch_tensorflow - published_share. Note the measures differ in kind: ours counts papers with released code by the code's framework, the published one counts papers whose text mentions the framework.
-- grain: one row per venue, venue year and framework with at least one paper
-- key: venue, year, framework
-- sums_to_one: share per venue, year
-- column venue: conference ('CVPR', 'NeurIPS', ...)
-- column year: year of the venue edition
-- column framework: framework (closed vocabulary, 'none' excluded)
-- column papers: papers of the venue edition whose first implementation uses the framework
-- column total_papers: papers of the venue edition with a known framework
-- column share: papers / total_papers
-- column ci_low: lower bound of the 95% Wilson interval of share
-- column ci_high: upper bound of the 95% Wilson interval of share
-- column comparison_papers: papers counted for the published comparison: PyTorch papers on the pytorch row, TensorFlow plus Keras papers on the tensorflow row (Keras counts as TensorFlow, as in the published counts); null for other frameworks
-- column comparison_total: PyTorch + TensorFlow + Keras papers of the edition (the comparison's denominator)
-- column share_of_pytorch_tensorflow: comparison_papers / comparison_total, the measure comparable to published_share; null for other frameworks
-- column published_share: published framework_papers / (pytorch_papers + tensorflow_papers) for the edition (null when no published figure)
-- column published_share_of_all: published framework_papers / total_papers of the edition (all papers, with or without code)
-- column published_papers: published count of papers mentioning the framework
-- column published_source: source id of the published figure (see published_figures)
-- column published_citation: citation of the published figure
-- column difference: share_of_pytorch_tensorflow - published_share (positive: our data shows more of this framework)
with papers as (
    select venue, venue_year as year, framework
    from first_implementation_framework
    where venue is not null and venue_year is not null and framework <> 'none'
),
counts as (
    select venue, year, framework, count(*) as papers from papers group by all
),
totals as (
    select venue, year, sum(papers)::bigint as total_papers,
           sum(papers) filter (where framework in ('pytorch', 'tensorflow', 'keras'))::bigint as pt_tf_papers,
           sum(papers) filter (where framework in ('tensorflow', 'keras'))::bigint as tf_keras_papers
    from counts group by venue, year
),
published_by_source as (
    select
        regexp_replace(subject, ' papers$', '') as venue,
        left(period, 4)::integer as year,
        source,
        any_value(citation) as citation,
        max(value) filter (where measure = 'pytorch_papers') as pytorch_papers,
        max(value) filter (where measure = 'tensorflow_papers') as tensorflow_papers,
        max(value) filter (where measure = 'total_papers') as total_papers
    from published_figures
    where subject like '% papers' and measure in ('pytorch_papers', 'tensorflow_papers', 'total_papers')
    group by all
),
published as (
    select * from published_by_source
    qualify row_number() over (partition by venue, year order by source) = 1
),
published_long as (
    select venue, year, source, citation, 'pytorch' as framework, pytorch_papers as fw_papers,
           pytorch_papers + tensorflow_papers as either, total_papers
    from published
    union all
    select venue, year, source, citation, 'tensorflow', tensorflow_papers,
           pytorch_papers + tensorflow_papers, total_papers
    from published
)
select
    c.venue,
    c.year,
    c.framework,
    c.papers,
    t.total_papers,
    c.papers / t.total_papers as share,
    wilson_low(c.papers, t.total_papers) as ci_low,
    wilson_high(c.papers, t.total_papers) as ci_high,
    case c.framework when 'pytorch' then c.papers when 'tensorflow' then t.tf_keras_papers end
        as comparison_papers,
    case when c.framework in ('pytorch', 'tensorflow') then t.pt_tf_papers end as comparison_total,
    case when c.framework in ('pytorch', 'tensorflow') and t.pt_tf_papers > 0
         then (case c.framework when 'pytorch' then c.papers else t.tf_keras_papers end) / t.pt_tf_papers
    end as share_of_pytorch_tensorflow,
    case when p.either > 0 then p.fw_papers / p.either end as published_share,
    case when p.total_papers > 0 then p.fw_papers / p.total_papers end as published_share_of_all,
    p.fw_papers::bigint as published_papers,
    p.source as published_source,
    p.citation as published_citation,
    case when c.framework in ('pytorch', 'tensorflow') and t.pt_tf_papers > 0 and p.either > 0
         then (case c.framework when 'pytorch' then c.papers else t.tf_keras_papers end) / t.pt_tf_papers
              - p.fw_papers / p.either end as difference
from counts as c
join totals as t on t.venue = c.venue and t.year = c.year
left join published_long as p
    on lower(p.venue) = lower(c.venue) and p.year = c.year and p.framework = c.framework
