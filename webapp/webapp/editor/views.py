"""Writing: new and existing articles, drafts, and the live Markdown preview."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from titanium_common.api import ApiError
from webapp import markdown
from webapp.articles import service as articles
from webapp.idempotency import form_claim
from webapp.ui import changes_no_page, error_lines, redirect_to

bp = Blueprint("editor", __name__, url_prefix="/editor")

FIELDS = ("title", "description", "body")


def submitted_fields() -> dict:
    """The form as the service's article fields. The pills' tags plus any text still in the
    tag input (comma-separated) make the full tag set, so an empty set clears every tag."""
    fields = {name: request.form.get(name, "") for name in FIELDS}
    pending = request.form.get("tag_input", "").split(",")
    fields["tagList"] = [tag.strip() for tag in request.form.getlist("tagList") + pending]
    fields["tagList"] = [tag for tag in dict.fromkeys(fields["tagList"]) if tag]
    return fields


@bp.route("", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        return _editor(fields={"tagList": []})
    fields = submitted_fields()
    action = request.form.get("action", "publish")
    if action == "preview":
        return _editor(fields, preview=True)
    # The form's key (one per rendering) makes a double submit, or a browser's retry, create one
    # article: a repeat is sent where the first went.
    try:
        claim = form_claim(current_user.id)
        article = articles.create_article(
            current_user.id,
            fields,
            draft=action == "draft",
            before_commit=claim and claim.recording(_location),
        )
    except ApiError as error:
        return _editor(fields, errors=error_lines(error.errors), status=_form_status(error))
    return _saved(article)


@bp.route("/<slug>", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    article = articles.get_article(slug, current_user.id)
    if article.author.id != current_user.id:
        abort(403)
    if request.method == "GET":
        fields = {name: getattr(article, name) for name in FIELDS} | {"tagList": article.tags}
        return _editor(fields, article=article)
    fields = submitted_fields()
    action = request.form.get("action", "publish")
    if action == "preview":
        return _editor(fields, article=article, preview=True)
    # "Save Draft" keeps a draft a draft; publishing (or editing a published article) publishes.
    draft = action == "draft" and article.draft
    try:
        article = articles.update_article(slug, current_user.id, fields, draft=draft)
    except ApiError as error:
        errors = error_lines(error.errors)
        return _editor(fields, article=article, errors=errors, status=_form_status(error))
    return _saved(article)


def _form_status(error: ApiError) -> int:
    if error.status != 422:
        raise error
    return 422


def _saved(article):
    if article.draft:
        flash("Draft saved. Only you can see it until you publish it.")
    return _location(article)


def _location(article):
    """Where a saved article is shown: the editor for a draft, else its page."""
    if article.draft:
        return redirect_to(url_for(".edit", slug=article.slug))
    return redirect_to(url_for("article.show", slug=article.slug))


def _editor(fields: dict, *, article=None, errors=(), preview: bool = False, status: int = 200):
    html = render_template(
        "editor/edit.html",
        form=fields,
        article=article,
        errors=list(errors),
        preview=markdown.render(fields.get("body", "")) if preview else None,
    )
    return html, status


@bp.post("/_preview")
@login_required
@changes_no_page
def preview():
    """The live preview (htmx): the body as its readers will see it."""
    body = request.form.get("body", "")
    return render_template("editor/_preview.html", preview=markdown.render(body))
