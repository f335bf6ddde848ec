"""Development tools beside the connector: the provider sandbox, the demo and explore.

Not part of the `source-mentions` distribution or its Docker image (setup.py packages
`source_mentions` only); `make` puts this folder on the development venv's path.
"""
