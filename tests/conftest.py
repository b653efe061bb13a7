"""Fixtures shared by every test directory: a live portal, a real SMTP
server and a real browser (tests/support/, see support/fixtures.py)."""
from support.fixtures import (  # noqa: F401  (pytest finds them here)
    browser,
    new_page,
    page,
    portal,
    portal_options,
    portal_templates,
    pytest_runtest_makereport,
    screenshot,
    smtp,
    smtp_server,
)
