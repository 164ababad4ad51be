"""webapp: the Titanium blog readers and authors use (server-rendered Flask + HTMX), and the
articles, comments, favorites and tags API."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from titanium_common.service import REDIS_EXTENSION, create_service_app
from webapp import (
    api,
    errors,
    identity,
    pages,
    replica,
    sessions,
    shared_parts,
    surrogate,
    upstream,
)
from webapp.accounts.views import bp as accounts_bp
from webapp.article.views import bp as article_bp
from webapp.articles.api import bp as api_articles_bp
from webapp.comments.api import bp as api_comments_bp
from webapp.editor.views import bp as editor_bp
from webapp.extensions import db, migrate
from webapp.feeds.views import bp as feeds_bp
from webapp.home.views import bp as home_bp
from webapp.internal.views import bp as internal_bp
from webapp.media import service as media
from webapp.media.views import bp as media_bp
from webapp.profile.views import bp as profile_bp
from webapp.seed import cli as seed_cli
from webapp.settings import SETTINGS
from webapp.site_files import bp as site_files_bp
from webapp.tags.api import bp as api_tags_bp
from webapp.trash import cli as trash_cli
from webapp.trash.views import bp as trash_bp

# The longest article (100,000 characters) as a form or JSON, even when every character is
# escaped (up to 12 bytes each in a form), fits.
MAX_BODY_BYTES = 2 * 1024 * 1024


def create_app(settings_override: Mapping[str, Any] | None = None) -> Flask:
    app = create_service_app(
        __name__,
        SETTINGS,
        settings_override,
        db=db,
        migrate=migrate,
        max_body_bytes=MAX_BODY_BYTES,
    )
    surrogate.init_app(app)  # first: any later hook may name what it shows
    replica.init_app(app)
    upstream.init_app(app)
    shared_parts.init_app(app, app.extensions[REDIS_EXTENSION])
    sessions.init_app(app)
    identity.init_app(app)
    pages.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    media.init_app(app)
    for blueprint in (api_articles_bp, api_comments_bp, api_tags_bp, internal_bp):
        app.register_blueprint(blueprint)
    for blueprint in (
        home_bp,
        accounts_bp,
        article_bp,
        editor_bp,
        profile_bp,
        feeds_bp,
        site_files_bp,
        media_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(trash_bp)
    seed_cli.init_app(app)
    trash_cli.init_app(app)
    return app
