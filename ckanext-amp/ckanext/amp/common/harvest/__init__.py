"""Pure parts of convention-aware harvesting (no CKAN import): what a remote
record becomes in our schema, and what went wrong on the way."""
