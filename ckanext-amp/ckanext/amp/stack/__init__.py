"""Run and test stack of ckanext-amp (``amp-stack``; ``make run`` / ``make test``).

Nothing in this package imports CKAN: it starts before CKAN can (services,
configuration, migrations) and drives the ``ckan`` command of the virtual
environment as child processes.
"""
