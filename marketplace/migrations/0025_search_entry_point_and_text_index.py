"""The narrow text copy gets the product's point and its own text index (decision 1400, "Sixth round").

"Text index first" read every match of the words from the product table (wide rows, one page per match) to
filter the radius and the stock before it kept the nearest. Now it reads the matches' product id and point
from `marketplace_product_search` (GIN `product_search_text_gin` on the stripped text) and only the nearest
matches' product rows. The triggers of migration 0022 now also copy `location`, and the update trigger
fires when the point changes too (a shop that moves rewrites its products' points); stock updates still
never run it.
"""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.indexes
from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION marketplace_product_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO marketplace_product_search (product_id, shop_id, location, search_vector)
    SELECT n.id, n.shop_id, n.location, strip(n.search_vector) FROM new_rows n
    ON CONFLICT (product_id) DO UPDATE
    SET shop_id = EXCLUDED.shop_id, location = EXCLUDED.location, search_vector = EXCLUDED.search_vector;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION marketplace_product_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marketplace_product_search
    SET shop_id = NEW.shop_id, location = NEW.location, search_vector = strip(NEW.search_vector)
    WHERE product_id = NEW.id;
    RETURN NULL;
END $$;

DROP TRIGGER product_search_update ON marketplace_product;
CREATE TRIGGER product_search_update AFTER UPDATE ON marketplace_product FOR EACH ROW
    WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.shop_id IS DISTINCT FROM NEW.shop_id
          OR OLD.location::bytea IS DISTINCT FROM NEW.location::bytea)
    EXECUTE FUNCTION marketplace_product_search_update();

UPDATE marketplace_product_search e SET location = p.location FROM marketplace_product p WHERE p.id = e.product_id;
"""

REVERSE_SQL = """
CREATE OR REPLACE FUNCTION marketplace_product_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO marketplace_product_search (product_id, shop_id, search_vector)
    SELECT n.id, n.shop_id, strip(n.search_vector) FROM new_rows n
    ON CONFLICT (product_id) DO UPDATE SET shop_id = EXCLUDED.shop_id, search_vector = EXCLUDED.search_vector;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION marketplace_product_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marketplace_product_search
    SET shop_id = NEW.shop_id, search_vector = strip(NEW.search_vector)
    WHERE product_id = NEW.id;
    RETURN NULL;
END $$;

DROP TRIGGER product_search_update ON marketplace_product;
CREATE TRIGGER product_search_update AFTER UPDATE ON marketplace_product FOR EACH ROW
    WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.shop_id IS DISTINCT FROM NEW.shop_id)
    EXECUTE FUNCTION marketplace_product_search_update();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0024_hold_tables_lean_indexes_and_vacuum"),
    ]

    operations = [
        migrations.AddField(
            model_name="productsearchentry",
            name="location",
            field=django.contrib.gis.db.models.fields.PointField(
                geography=True, null=True, spatial_index=False, srid=4326
            ),
        ),
        migrations.RunSQL(sql=SQL, reverse_sql=REVERSE_SQL),
        migrations.AlterField(
            model_name="productsearchentry",
            name="location",
            field=django.contrib.gis.db.models.fields.PointField(geography=True, spatial_index=False, srid=4326),
        ),
        migrations.AddIndex(
            model_name="productsearchentry",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], gin_pending_list_limit=256, name="product_search_text_gin"
            ),
        ),
    ]
