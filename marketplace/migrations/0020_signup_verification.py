import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("marketplace", "0019_alert_first_word"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SignupVerification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="registered"
                    ),
                ),
                ("verified_at", models.DateTimeField(blank=True, null=True, verbose_name="e-mail confirmed")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="signup_verification",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "sign-up verification",
                "verbose_name_plural": "sign-up verifications",
                "indexes": [
                    models.Index(
                        condition=models.Q(("verified_at__isnull", True)),
                        fields=["created_at"],
                        name="signup_unverified_idx",
                    )
                ],
            },
        ),
    ]
