"""The demo town of Lüneburg (`manage.py seed_demo`): data modules and the code that writes them.

`catalogue.py` (categories and product patterns, shared with `bench/dataset.py`) and `town.py` (streets,
names, headline shops, curation, posts, logins) are data; `seed.py` plans the town from a seed and writes
it, `activity.py` adds nine weeks of searches and finished reservations. Demo only: nothing of the site
imports this package.
"""
