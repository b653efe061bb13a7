"""amp_harvest: convention-aware harvesters, safe against hostile partners."""
