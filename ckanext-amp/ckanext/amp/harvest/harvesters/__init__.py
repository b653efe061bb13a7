"""The source types of amp_harvest, each a ckanext-harvest harvester plugin."""
