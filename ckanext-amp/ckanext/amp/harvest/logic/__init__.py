"""Actions and auth functions of amp_harvest."""
