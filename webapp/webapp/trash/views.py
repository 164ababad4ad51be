"""/trash: the signed-in author's deleted articles, each with Restore (ADR 0017)."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, render_template, url_for
from flask_login import current_user, login_required

from webapp.articles import service as articles
from webapp.ui import redirect_to

bp = Blueprint("trash", __name__, url_prefix="/trash")


def retention() -> timedelta:
    return timedelta(days=current_app.config["TRASH_RETENTION_DAYS"])


@bp.get("")
@login_required
def index():
    return render_template(
        "trash/index.html",
        trashed=articles.trash(current_user.id, retention()),
        retention_days=current_app.config["TRASH_RETENTION_DAYS"],
    )


@bp.post("/<slug>/restore")
@login_required
def restore(slug: str):
    """Restore (from the trash page, or the Undo of the message after deleting): the article
    is back where it was, with its comments and favorites."""
    article = articles.restore_article(slug, current_user.id, retention())
    flash(f"Restored “{article.title}”.")
    return redirect_to(url_for("article.show", slug=article.slug))
