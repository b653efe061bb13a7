"""With ``ckanext.amp.search.engine = solr`` nothing of amp_search runs: every
index write and search goes to stock Solr through pysolr (here an address
where no Solr listens, so each of them fails, and the PostgreSQL index is
left untouched). No clean_index fixture: it would itself go to that Solr."""
from __future__ import annotations

import pysolr
import pytest

import ckan.lib.search as search
from ckan.tests import factories, helpers

from ckanext.amp.search.connection import make_engine

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search"),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]

@pytest.mark.ckan_config("ckanext.amp.search.engine", "solr")
@pytest.mark.ckan_config("solr_url", "http://127.0.0.1:9/solr/ckan")
@pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True)
def test_with_engine_solr_nothing_of_amp_search_runs():
    postgres = make_engine()
    before = postgres.count()
    connection = search.make_connection()
    assert isinstance(connection, pysolr.Solr)
    assert connection.url == "http://127.0.0.1:9/solr/ckan"
    # Writes and searches go to that (absent) Solr, never to PostgreSQL.
    with pytest.raises(search.SearchIndexError):
        factories.Dataset(name="vers-solr")
    with pytest.raises((search.SearchError, search.SolrConnectionError)):
        helpers.call_action("package_search", q="name:vers-solr")
    assert postgres.count() == before
