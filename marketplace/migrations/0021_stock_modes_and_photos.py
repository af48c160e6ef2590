"""Stock modes per product, the photo thumbnail, the shop's confirmation of no-count holds (issue 16)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0020_signup_verification'),
    ]

    operations = [
        migrations.AddField(
            model_name='product',
            name='image_thumb',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='product',
            name='stock_mode',
            field=models.CharField(choices=[('counted', 'counted'), ('toggle', 'in stock / sold out'), ('always', 'always available'), ('next_day', 'orderable for the next opening day')], db_default='counted', default='counted', max_length=10, verbose_name='stock mode'),
        ),
        migrations.AddField(
            model_name='reservation',
            name='shop_confirm_by',
            field=models.DateTimeField(blank=True, null=True, verbose_name='shop to confirm by'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(('stock_mode__in', ['counted', 'toggle', 'always', 'next_day'])), name='product_stock_mode_known'),
        ),
    ]
