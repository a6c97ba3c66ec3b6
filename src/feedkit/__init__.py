"""feedkit: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for a Jekyll-style site.

>>> import feedkit
>>> result = feedkit.publish("path/to/site")        # doctest: +SKIP
>>> [str(p) for e in result.collected.rejected for p in e.problems]   # doctest: +SKIP
"""

from __future__ import annotations

from .errors import ConfigError, FeedkitError, InvalidPostsError, PostError, Problem, WriteError
from .model import Feed, FeedSet, Post
from .publish import Collected, PublishResult, publish, validate
from .site import Site, load_site
from .version import __version__

__all__ = [
    "Collected",
    "ConfigError",
    "Feed",
    "FeedSet",
    "FeedkitError",
    "InvalidPostsError",
    "Post",
    "PostError",
    "Problem",
    "PublishResult",
    "Site",
    "WriteError",
    "__version__",
    "load_site",
    "publish",
    "validate",
]
