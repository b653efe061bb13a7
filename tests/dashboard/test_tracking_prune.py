"""``ckan amp tracking prune`` on real tracking rows: visits of every age
in CKAN's ``tracking_raw``, summed by the real ``ckan tracking update``;
the prune removes the old ones only, never a day not yet summed, and the
summary stays as it was."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers

from ckanext.amp.cli import amp as amp_command
from ckanext.amp.common.usage_records import KEEP_UNSUMMED_DAYS
from ckanext.amp.dashboard import cli as _dashboard_cli  # noqa: F401  (adds `amp tracking`)
from ckanext.tracking.cli.tracking import tracking as tracking_command

from support.data import dataset_fields
from support.usage_db import reset_usage_db

PLUGINS = "amp_search tracking amp_schema amp_dashboard scheming_datasets scheming_organizations"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

#: Ages of the recorded visits, in days.
AGES = (420, 200, 62, 50, 3, 0)


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    reset_usage_db(reset_db, migrate_db_for)


def today() -> dt.date:
    return model.Session.execute(sa.text("SELECT CAST(now() AS date)")).scalar()


def record_visits() -> None:
    """Two visitors of the dataset's page on each day of AGES (midday)."""
    for age in AGES:
        for visitor in range(2):
            model.Session.execute(sa.text(
                "INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp) "
                "VALUES (:key, '/dataset/captages', 'page', :at)"),
                {"key": f"visiteur-{age}-{visitor}",
                 "at": dt.datetime.combine(today() - dt.timedelta(days=age), dt.time(12))})
    model.Session.commit()


def raw_ages() -> list[int]:
    days = model.Session.execute(sa.text(
        "SELECT DISTINCT CAST(access_timestamp AS date) FROM tracking_raw ORDER BY 1 DESC"))
    return [(today() - day).days for (day,) in days]


def summary() -> list[tuple]:
    return [tuple(row) for row in model.Session.execute(sa.text(
        "SELECT tracking_date, url, package_id, count FROM tracking_summary ORDER BY 1, 2"))]


def prune(cli, *args: str) -> str:
    result = cli.invoke(amp_command, ["tracking", "prune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_old_visits_go_recent_and_unsummed_ones_stay(cli):
    sysadmin = factories.Sysadmin()
    organization = factories.Organization(name="eau")
    helpers.call_action("package_create", context={"user": sysadmin["name"]},
                        **dataset_fields(organization, name="captages"))
    record_visits()

    # Nothing summed yet (the first update not run): nothing goes.
    assert "aucune visite supprimée" in prune(cli, "--days", "7")
    assert raw_ages() == sorted(AGES)

    start = today() - dt.timedelta(days=max(AGES) + 1)
    result = cli.invoke(tracking_command, ["update", start.isoformat()])
    assert result.exit_code == 0, result.output
    summed = summary()
    assert len(summed) == len(AGES) and {row[3] for row in summed} == {2}

    # The default retention (400 days): the visits of 420 days ago go.
    output = prune(cli)
    assert "2 visite(s)" in output and "conservation : 400 jours" in output
    assert raw_ages() == [0, 3, 50, 62, 200]
    assert summary() == summed

    # The update stalls: nothing summed for the last 60 days. A short
    # retention still keeps every day not summed, and a margin before.
    model.Session.execute(sa.text("DELETE FROM tracking_summary WHERE tracking_date > :day"),
                          {"day": today() - dt.timedelta(days=60)})
    model.Session.commit()
    stalled = summary()
    prune(cli, "--days", "7")
    assert raw_ages() == [0, 3, 50, 62]  # 62 days: within the margin before the last summed
    assert 62 - 60 < KEEP_UNSUMMED_DAYS
    assert summary() == stalled

    # The update catches up (CKAN's own rule: from two days before the last
    # day summed): every day comes back as it was, the raw rows were there.
    # Then the prune goes down to the retention.
    result = cli.invoke(tracking_command, ["update"])
    assert result.exit_code == 0, result.output
    assert summary() == summed
    prune(cli, "--days", "30")
    assert raw_ages() == [0, 3]


def test_a_retention_below_the_margin_is_refused(cli):
    result = cli.invoke(amp_command, ["tracking", "prune", "--days", "2"])
    assert result.exit_code != 0 and "2" in result.output
