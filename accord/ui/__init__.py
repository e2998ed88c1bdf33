"""The web UI: HTML pages (Jinja2 shells) and static ES modules that talk to the REST API.

No build step: the browser loads ``accord/ui/static/js/*.js`` as ES modules.
Record text is never rendered as HTML (see docs/ui.md, "Security").
"""

from accord.ui.pages import PAGES, mount

__all__ = ["PAGES", "mount"]
