"""Access requests for a dataset under a convention recorded on the portal
(amp_conventions loaded): the convention's undertaking is the one accepted,
and no period may outlast the convention — « la fin de la convention emporte
l’arrêt de la possibilité d’utiliser les droits concédés »."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ckan import model
from ckan.tests import factories, helpers

from access_world import PLUGINS, api, build_world, in_days, request_fields

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS + " amp_conventions"),
    pytest.mark.usefixtures("with_plugins", "clean_index"),
]


@pytest.fixture
def world(access_db, migrate_db_for):
    migrate_db_for("amp_conventions")
    from ckanext.amp.conventions import model as tables

    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    model.Session.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    model.Session.commit()
    return build_world()


def test_a_period_beyond_the_convention_is_refused(app, world):
    end = dt.date.today() + dt.timedelta(days=30)
    context = {"user": world.sysadmin["name"]}
    partner = factories.Organization(name="metropole")
    helpers.call_action(
        "amp_convention_create", context=context, reference="SYMCRAU-AMP-2025",
        title="Convention d’objectifs et d’échange de données", kind="data_exchange",
        licence_id="amp-parties", diffusion="restricted",
        date_notified=(end - relativedelta(years=1)).isoformat(), initial_term_months=12,
        tacit_renewal=False,
        undertaking="Je m’engage à n’utiliser les données que pour les usages autorisés.",
        parties=[{"organization": world.org["name"], "role": "both"},
                 {"organization": partner["name"], "role": "both"}])
    # A term of a year ends the day before the anniversary.
    end = dt.date.fromisoformat(helpers.call_action(
        "amp_convention_status", context=context,
        references=["SYMCRAU-AMP-2025"])["SYMCRAU-AMP-2025"]["end_date"])
    assert end == dt.date.today() + dt.timedelta(days=29)
    helpers.call_action("package_patch", context=context, id=world.restricted["id"],
                        convention="SYMCRAU-AMP-2025")
    undertaking = helpers.call_action("amp_convention_show", context=context,
                                      id="SYMCRAU-AMP-2025")["undertaking"]
    accepted = {"undertaking_version": undertaking["version"],
                "undertaking_sha256": undertaking["sha256"]}

    def ask(expect=200, **fields):
        return api(app, "amp_access_request_create", world.requester, expect=expect,
                   **request_fields(world.restricted["id"], **{**accepted, **fields}))

    error = ask(expect=409, period_end=in_days(60))["error"]
    assert error["period_end"] == [
        f"La période demandée finit ({in_days(60)}) après la convention SYMCRAU-AMP-2025 "
        f"({end.isoformat()}) : la fin de la convention met fin à tous les droits"]
    created = ask(period_end=end.isoformat())["result"]
    assert created["convention"] == "SYMCRAU-AMP-2025"
    assert created["undertaking_sha256"] == undertaking["sha256"]
