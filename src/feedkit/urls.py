"""URL helpers shared by the stages: feed readers need absolute URLs everywhere."""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

# Characters a URL path may carry as they are; everything else is percent-encoded (UTF-8).
_PATH_SAFE = "-._~!$&'()*+,;=:@/%"


def absolute_url(href: str, base: str) -> str | None:
    """Resolve `href` against `base`; None if it is no URL at all (e.g. "http://[x").

    Protocol-relative links become https.
    """
    href = href.strip()
    try:
        if href.startswith("//"):
            urlsplit(href)  # only to refuse what is no URL
            return "https:" + href
        if not href or href.startswith("#"):
            return urljoin(base, href) if href else href
        if urlsplit(href).scheme:
            return href
        return urljoin(base, href)
    except ValueError:
        return None


def encode_path(path: str) -> str:
    """Percent-encode a path for use in a URL, leaving existing escapes alone."""
    return quote(path, safe=_PATH_SAFE)
