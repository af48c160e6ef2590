"""The narrow text copy of the products for the search's per-shop walk (decision 1400, "Third round").

`marketplace_product_search` holds each product's shop and `strip(search_vector)`; the database keeps it:
a statement trigger copies inserted rows (bulk inserts and COPY stay one statement), a row trigger fires
only when a product's text or shop changes (`WHEN`, so stock updates never run it and stay HOT), a
statement trigger removes deleted rows. Existing products are copied once here.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


SQL = """
CREATE FUNCTION marketplace_product_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO marketplace_product_search (product_id, shop_id, search_vector)
    SELECT n.id, n.shop_id, strip(n.search_vector) FROM new_rows n
    ON CONFLICT (product_id) DO UPDATE SET shop_id = EXCLUDED.shop_id, search_vector = EXCLUDED.search_vector;
    RETURN NULL;
END $$;

CREATE FUNCTION marketplace_product_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marketplace_product_search
    SET shop_id = NEW.shop_id, search_vector = strip(NEW.search_vector)
    WHERE product_id = NEW.id;
    RETURN NULL;
END $$;

CREATE FUNCTION marketplace_product_search_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM marketplace_product_search e USING old_rows o WHERE e.product_id = o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER product_search_insert AFTER INSERT ON marketplace_product
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION marketplace_product_search_insert();
CREATE TRIGGER product_search_update AFTER UPDATE ON marketplace_product FOR EACH ROW
    WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.shop_id IS DISTINCT FROM NEW.shop_id)
    EXECUTE FUNCTION marketplace_product_search_update();
CREATE TRIGGER product_search_delete AFTER DELETE ON marketplace_product
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION marketplace_product_search_delete();

INSERT INTO marketplace_product_search (product_id, shop_id, search_vector)
SELECT id, shop_id, strip(search_vector) FROM marketplace_product;
ANALYZE marketplace_product_search;
"""

REVERSE_SQL = """
DROP TRIGGER product_search_insert ON marketplace_product;
DROP TRIGGER product_search_update ON marketplace_product;
DROP TRIGGER product_search_delete ON marketplace_product;
DROP FUNCTION marketplace_product_search_insert();
DROP FUNCTION marketplace_product_search_update();
DROP FUNCTION marketplace_product_search_delete();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0021_stock_modes_and_photos"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductSearchEntry",
            fields=[
                (
                    "product",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="marketplace.product",
                    ),
                ),
                ("shop_id", models.BigIntegerField()),
                ("search_vector", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "db_table": "marketplace_product_search",
                "indexes": [
                    models.Index(
                        fields=["shop_id", "product"],
                        include=("search_vector",),
                        name="product_search_shop_idx",
                    )
                ],
            },
        ),
        migrations.RunSQL(sql=SQL, reverse_sql=REVERSE_SQL),
    ]
