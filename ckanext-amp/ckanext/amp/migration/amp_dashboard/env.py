"""Alembic environment of amp_dashboard's migrations (shared: ../alembic_env.py)."""
import os

from ckanext.amp.migration.alembic_env import run

run(os.path.basename(os.path.dirname(__file__)))
