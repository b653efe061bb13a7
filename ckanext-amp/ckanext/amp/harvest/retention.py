"""Pruning the history of harvest jobs (``ckan amp harvest prune``).

ckanext-harvest keeps every job, object and error forever. A job is pruned
when it is finished, older than the retention and not among the last jobs
of its source; of its objects, those that are the current object of a live
dataset are kept (ckanext-harvest and amp_harvest find the dataset's source
through them), and the job then stays too. Rows of amp_harvest whose job or
source is gone are removed. One transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from ckan import model

from ckanext.amp.harvest import model as amp_model


@dataclass
class Pruned:
    jobs: int
    objects: int


_PRUNABLE_JOBS = """
    CREATE TEMP TABLE amp_prune_job ON COMMIT DROP AS
    SELECT id FROM (
        SELECT id, status, created,
               row_number() OVER (PARTITION BY source_id ORDER BY created DESC) AS rank
        FROM harvest_job
    ) AS ranked
    WHERE status IN ('Finished', 'Aborted') AND created < :before AND rank > :keep
"""
_PRUNABLE_OBJECTS = """
    CREATE TEMP TABLE amp_prune_object ON COMMIT DROP AS
    SELECT o.id FROM harvest_object o
    JOIN amp_prune_job j ON j.id = o.harvest_job_id
    WHERE NOT (o.current AND EXISTS (
        SELECT 1 FROM package p WHERE p.id = o.package_id AND p.state = 'active'))
"""


def prune(days: int, keep: int, dry_run: bool = False) -> Pruned:
    session = model.Session
    before = amp_model.utcnow() - dt.timedelta(days=days)
    session.execute(sa.text("DROP TABLE IF EXISTS amp_prune_job"))
    session.execute(sa.text("DROP TABLE IF EXISTS amp_prune_object"))
    session.execute(sa.text(_PRUNABLE_JOBS), {"before": before, "keep": keep})
    session.execute(sa.text(_PRUNABLE_OBJECTS))
    objects = session.execute(sa.text("SELECT count(*) FROM amp_prune_object")).scalar()
    if dry_run:
        jobs = session.execute(sa.text("""
            SELECT count(*) FROM amp_prune_job j WHERE NOT EXISTS (
                SELECT 1 FROM harvest_object o WHERE o.harvest_job_id = j.id
                AND o.id NOT IN (SELECT id FROM amp_prune_object))""")).scalar()
        session.rollback()
        return Pruned(jobs, objects)
    for statement in (
        "DELETE FROM harvest_object_error WHERE harvest_object_id IN (SELECT id FROM amp_prune_object)",
        "DELETE FROM harvest_object_extra WHERE harvest_object_id IN (SELECT id FROM amp_prune_object)",
        "DELETE FROM harvest_object WHERE id IN (SELECT id FROM amp_prune_object)",
        """DELETE FROM amp_prune_job j WHERE EXISTS (
               SELECT 1 FROM harvest_object o WHERE o.harvest_job_id = j.id)""",
        "DELETE FROM harvest_gather_error WHERE harvest_job_id IN (SELECT id FROM amp_prune_job)",
        "DELETE FROM amp_harvest_job WHERE job_id IN (SELECT id FROM amp_prune_job)",
    ):
        session.execute(sa.text(statement))
    jobs = session.execute(sa.text(
        "DELETE FROM harvest_job WHERE id IN (SELECT id FROM amp_prune_job)")).rowcount
    for statement in (
        "DELETE FROM amp_harvest_job a WHERE NOT EXISTS (SELECT 1 FROM harvest_job j WHERE j.id = a.job_id)",
        "DELETE FROM amp_harvest_page a WHERE NOT EXISTS (SELECT 1 FROM harvest_source s WHERE s.id = a.source_id)",
        "DELETE FROM amp_harvest_record a WHERE NOT EXISTS (SELECT 1 FROM harvest_source s WHERE s.id = a.source_id)",
    ):
        session.execute(sa.text(statement))
    session.commit()
    return Pruned(jobs, objects)
