"""The article page and what readers do there: favorite, comment, and (authors) delete."""

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required

from titanium_common.api import ApiError
from webapp.articles import service as articles
from webapp.comments import service as comments
from webapp.idempotency import form_claim
from webapp.identity import viewer_id
from webapp.ui import error_lines, is_partial_request, local_url, public_page, redirect_to

bp = Blueprint("article", __name__, url_prefix="/article")


@bp.get("/<slug>")
@public_page
def show(slug: str):
    return _article_page(slug)


def _article_page(slug: str, comment_errors=(), comment_draft: str = "", status: int = 200):
    viewer = viewer_id()
    article = articles.get_article(slug, viewer)
    html = render_template(
        "article/show.html",
        article=article,
        comments=comments.list_comments(slug, viewer, following=False),
        comment_errors=list(comment_errors),
        comment_draft=comment_draft,
    )
    return html, status


@bp.post("/<slug>/favorite")
@login_required
def favorite(slug: str):
    return _favorite_answer(articles.favorite(slug, current_user.id))


@bp.post("/<slug>/unfavorite")
@login_required
def unfavorite(slug: str):
    return _favorite_answer(articles.unfavorite(slug, current_user.id))


def _favorite_answer(article):
    """htmx (article page): every favorite button swapped in place. Otherwise back where the
    click came from (a preview list sends its own URL in `next`)."""
    if is_partial_request():
        return render_template("article/_favorite_swap.html", article=article)
    return redirect_to(local_url(request.form.get("next"), url_for(".show", slug=article.slug)))


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str):
    """GET: the confirmation page (without JavaScript; with it, a dialog on the article page
    posts here). POST: into the author's trash, then home with a message that can undo it."""
    if request.method == "GET":
        article = articles.get_article(slug, current_user.id)
        articles.check_editable(slug, current_user.id)
        return render_template("article/delete.html", article=article)
    article = articles.get_article(slug, current_user.id)
    articles.delete_article(slug, current_user.id)
    flash({"slug": article.slug, "title": article.title}, "trashed")
    return redirect_to("/")


@bp.post("/<slug>/comments")
@login_required
def add_comment(slug: str):
    """The form's key (one per rendering) makes a double submit, or a browser's retry, post one
    comment: a repeat answers as the first did."""
    body = request.form.get("body", "")
    try:
        claim = form_claim(current_user.id, replay=lambda _stored: _comments_answer(slug))
        comments.add_comment(
            slug,
            current_user.id,
            body,
            before_commit=claim and claim.recording(lambda _comment: _comments_location(slug)),
        )
    except ApiError as error:
        if error.status != 422:
            raise
        if is_partial_request():
            return _comments_section(slug, error_lines(error.errors), body)
        return _article_page(slug, error_lines(error.errors), body, status=422)
    return _comments_answer(slug)


@bp.post("/<slug>/comments/<int:comment_id>/delete")
@login_required
def delete_comment(slug: str, comment_id: int):
    comments.delete_comment(slug, comment_id, current_user.id)
    return _comments_answer(slug)


def _comments_answer(slug: str):
    if is_partial_request():
        return _comments_section(slug)
    return _comments_location(slug)


def _comments_location(slug: str):
    return redirect_to(url_for(".show", slug=slug, _anchor="comments"))


def _comments_section(slug: str, comment_errors=(), comment_draft: str = ""):
    viewer = viewer_id()
    return render_template(
        "article/_comments.html",
        article=articles.get_article(slug, viewer),
        comments=comments.list_comments(slug, viewer, following=False),
        comment_errors=list(comment_errors),
        comment_draft=comment_draft,
    )
