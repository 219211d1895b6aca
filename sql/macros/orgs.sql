-- Organisation facts the claims share.

-- The framework vendors' own GitHub organisations: the organisations that publish a
-- framework and its toolchain. A vendor using its own framework is not adoption, so the
-- industry and company claims report them apart. The parent companies' other organisations
-- (google, google-research, google-deepmind, facebookresearch, meta-llama, ...) stay in:
-- their teams choose among frameworks, which is what the company claims ask about.
create or replace macro vendor_org(owner) as (
    lower(coalesce(owner, '')) in ('tensorflow', 'pytorch', 'pytorch-labs', 'meta-pytorch',
                                   'keras-team', 'jax-ml', 'google-ai-edge', 'paddlepaddle',
                                   'mindspore-ai', 'apache-mxnet')
);
