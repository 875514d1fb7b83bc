"""Seed the category taxonomy for security incidents in the region."""

from django.db import migrations

CATEGORIES = [
    ("bombing-ied", "Bombing / IED", "terrorism", "Explosive device attack, planted or thrown."),
    ("suicide-attack", "Suicide attack", "terrorism", "Attack in which the attacker dies."),
    ("armed-assault", "Armed assault", "terrorism", "Attack with firearms on people or posts."),
    ("targeted-killing", "Targeted killing", "terrorism", "Killing of a chosen individual."),
    ("rocket-grenade-attack", "Rocket / grenade attack", "terrorism", "Indirect or thrown fire."),
    ("attack-on-infrastructure", "Attack on infrastructure", "terrorism",
     "Gas pipelines, power pylons, rail, telecom towers, roads."),
    ("kidnapping", "Kidnapping", "organised-crime", "Abduction, for ransom or otherwise."),
    ("extortion", "Extortion", "organised-crime", "Demands backed by threats."),
    ("smuggling", "Smuggling", "border", "Goods, fuel or people moved illegally."),
    ("narcotics", "Narcotics", "organised-crime", "Production, trafficking or possession."),
    ("cross-border-incident", "Cross-border incident", "border",
     "Firing, incursion or clash at the border."),
    ("riot-unrest", "Riot / unrest", "public-order", "Violent unrest, blockades, clashes."),
    ("robbery", "Robbery", "crime", "Theft with force or threat."),
    ("vehicle-theft", "Vehicle theft", "crime", "Theft or snatching of vehicles."),
    ("vandalism", "Vandalism", "crime", "Deliberate damage to property."),
    ("other", "Other", "other", "Anything that fits no other category."),
]


def seed(apps, schema_editor):
    category = apps.get_model("incidents", "Category")
    for slug, name, group, description in CATEGORIES:
        category.objects.update_or_create(
            slug=slug, defaults={"name": name, "group": group, "description": description}
        )


def unseed(apps, schema_editor):
    apps.get_model("incidents", "Category").objects.filter(
        slug__in=[c[0] for c in CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
