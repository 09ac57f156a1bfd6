"""azlab: declarative Azure IaaS labs.

The public API is re-exported here; everything else is internal.
"""

from azlab.errors import AzlabError

__version__ = "0.1.0"
__all__ = ["AzlabError", "__version__"]
