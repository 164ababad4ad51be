"""The files browsers and crawlers ask for at the site root by name: favicon.ico and robots.txt.

favicon.ico is favicon.svg's design (a white T on a blue rounded square) drawn with Pillow at
16, 32 and 48 px, for the browsers, feed readers and bookmark tools that only ask for the .ico.
"""

from flask import Blueprint, Response, current_app, send_from_directory

from webapp.ui import public_page, public_url

bp = Blueprint("site_files", __name__)

# The icon changes with a redesign, not with what is written: browsers may keep it a day.
FAVICON_MAX_AGE = 24 * 60 * 60


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(
        current_app.static_folder,
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=FAVICON_MAX_AGE,
    )


@bp.get("/robots.txt")
@public_page
def robots():
    lines = ["User-agent: *", "Allow: /", "", f"Sitemap: {public_url('feeds.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
