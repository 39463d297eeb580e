"""Reports built from the published file: the chart book and the terminal scorecard."""
