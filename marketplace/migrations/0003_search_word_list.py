"""The word list for typo-tolerant search: title, brand and category words with a pg_trgm GiST index.

A materialized view, refreshed by `refresh_search_words` (and after bulk loads); the nearby search corrects
query words against it and then runs the full-text search (PERFORMANCE.md, decision 0100).
"""

from django.db import migrations

CREATE = r"""
CREATE MATERIALIZED VIEW marketplace_search_word AS
SELECT word, count(*)::integer AS ndoc
FROM (
    SELECT regexp_split_to_table(
        lower(unaccent(p.title || ' ' || p.brand || ' ' || p.category_names)), '[^[:alnum:]]+'
    ) AS word
    FROM marketplace_product p
    WHERE p.active
) words
WHERE length(word) BETWEEN 3 AND 40 AND word !~ '^[0-9]+$'
GROUP BY word
WITH DATA;
CREATE UNIQUE INDEX marketplace_search_word_pk ON marketplace_search_word (word);
CREATE INDEX marketplace_search_word_trgm ON marketplace_search_word USING gist (word gist_trgm_ops);
"""

DROP = "DROP MATERIALIZED VIEW IF EXISTS marketplace_search_word;"


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_city_curation"),
    ]

    operations = [
        migrations.RunSQL(sql=CREATE, reverse_sql=DROP),
    ]
