"""azlab: declarative Azure IaaS labs.

The public API is re-exported here; everything else is internal.
"""

from importlib import metadata

from azlab.errors import AzlabError

try:
    # The installed distribution's version (pyproject.toml's, through the wheel's metadata).
    __version__ = metadata.version("azlab")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0+unknown"
__all__ = ["AzlabError", "__version__"]
