"""The demo city (`safeloop demo`): 鹰潭's real districts and townships with synthetic villages,
grids and enterprises, generated deterministically from a seed."""
