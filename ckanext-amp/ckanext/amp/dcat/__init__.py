"""amp_dcat: the ``amp_dcat_ap_fr`` RDF profile and the catalogue filters."""
