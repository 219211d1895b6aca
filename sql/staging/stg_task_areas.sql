-- staging view: stg_task_areas
-- grain: one row per Papers-with-Code task name
-- key: task
-- The research area of each task, as the Papers with Code task taxonomy files it (the
-- "area" a task page sits under on paperswithcode.com, archived July 2025). Edit this list
-- to audit or extend the map; a task not listed here has no area and counts in no area claim.
-- Visual Question Answering sits under Computer Vision and Speech Recognition under Speech,
-- so neither counts as Natural Language Processing.
select * from (values
    ('Language Modelling', 'Natural Language Processing'),
    ('Machine Translation', 'Natural Language Processing'),
    ('Question Answering', 'Natural Language Processing'),
    ('Summarization', 'Natural Language Processing'),
    ('Text Classification', 'Natural Language Processing'),
    ('Named Entity Recognition', 'Natural Language Processing'),
    ('Named Entity Recognition (NER)', 'Natural Language Processing'),
    ('Sentiment Analysis', 'Natural Language Processing'),
    ('Natural Language Inference', 'Natural Language Processing'),
    ('Reading Comprehension', 'Natural Language Processing'),
    ('Dependency Parsing', 'Natural Language Processing'),
    ('Constituency Parsing', 'Natural Language Processing'),
    ('Text Generation', 'Natural Language Processing'),
    ('Dialogue Generation', 'Natural Language Processing'),
    ('Relation Extraction', 'Natural Language Processing'),
    ('Image Classification', 'Computer Vision'),
    ('Object Detection', 'Computer Vision'),
    ('Semantic Segmentation', 'Computer Vision'),
    ('Scene Parsing', 'Computer Vision'),
    ('Image Generation', 'Computer Vision'),
    ('Pose Estimation', 'Computer Vision'),
    ('Visual Question Answering', 'Computer Vision'),
    ('Visual Question Answering (VQA)', 'Computer Vision'),
    ('Speech Recognition', 'Speech'),
    ('Speech Synthesis', 'Speech'),
    ('Graph Classification', 'Graphs'),
    ('Node Classification', 'Graphs'),
    ('Link Prediction', 'Graphs'),
    ('Reinforcement Learning', 'Methodology')
) as t(task, area)
