"""Writing: new and existing articles, drafts, autosave, pending revisions of published
articles, and the live Markdown preview (ADR 0017).

Only an explicit Publish publishes. Enter in a field submits the form with its first submit
button, which is "save" (templates/editor/edit.html): a draft stays a draft, a published
article's edits are kept as its pending revision.
"""

from flask import Blueprint, abort, flash, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from titanium_common.api import ApiError
from titanium_common.caching import UNCHANGED_HEADER
from webapp import markdown
from webapp.articles import service as articles
from webapp.clock import iso_ms, now_ms
from webapp.idempotency import form_claim
from webapp.ui import changes_no_page, error_lines, redirect_to

bp = Blueprint("editor", __name__, url_prefix="/editor")

FIELDS = ("title", "description", "body")
# What a submit without a button's action does (a browser's implicit submission sends the
# form's first submit button, which is "save"; a bare POST sends none): never publish.
DEFAULT_ACTION = "save"
DRAFT_SAVED = "Draft saved. Only you can see it until you publish it."
PENDING_SAVED = "Changes saved. Readers see them once you publish them."


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
    action = request.form.get("action", DEFAULT_ACTION)
    if action == "preview":
        return _editor(fields, preview=True)
    # The form's key (one per rendering) makes a double submit, or a browser's retry, create one
    # article: a repeat is sent where the first went.
    try:
        claim = form_claim(current_user.id)
        article = articles.create_article(
            current_user.id,
            fields,
            draft=action != "publish",
            before_commit=claim and claim.recording(_location),
        )
    except ApiError as error:
        return _editor(fields, errors=error_lines(error.errors), status=_form_status(error))
    return _saved(article)


@bp.route("/<slug>", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    article = _own_article(slug)
    if request.method == "GET":
        pending = None if article.draft else articles.pending_revision(slug, current_user.id)
        source = pending or article
        fields = {name: getattr(source, name) for name in FIELDS} | {"tagList": source.tags}
        return _editor(fields, article=article, pending=pending)
    fields = submitted_fields()
    action = request.form.get("action", DEFAULT_ACTION)
    if action == "preview":
        return _editor(fields, article=article, preview=True)
    try:
        if action != "publish" and not article.draft:
            # Saving (not publishing) a published article keeps the edits for later.
            articles.save_pending_revision(slug, current_user.id, fields)
            flash(PENDING_SAVED)
            response = redirect_to(url_for(".edit", slug=slug))
            response.headers[UNCHANGED_HEADER] = "1"  # readers' pages stay as they are
            return response
        # Publishing, or saving a draft (which stays a draft).
        article = articles.update_article(slug, current_user.id, fields, draft=action != "publish")
    except ApiError as error:
        errors = error_lines(error.errors)
        return _editor(fields, article=article, errors=errors, status=_form_status(error))
    return _saved(article)


@bp.post("/_autosave")
@login_required
@changes_no_page
def autosave_new():
    """The first autosave of a new article creates it as a draft, once (the form's
    Idempotency-Key: a repeat gets the first reply); the page then saves to its own address."""
    try:
        claim = form_claim(current_user.id)
        article = articles.create_article(
            current_user.id,
            submitted_fields(),
            draft=True,
            autosave=True,
            before_commit=claim and claim.recording(lambda saved: _autosaved(saved.slug)),
        )
    except ApiError as error:
        return _autosave_refused(error)
    return _autosaved(article.slug)


@bp.post("/<slug>/_autosave")
@login_required
@changes_no_page
def autosave(slug: str):
    """Autosave (JS): a draft is saved as a draft; a published article's edits are kept as its
    pending revision, never published. Readers' pages do not change either way."""
    article = _own_article(slug)
    try:
        if article.draft:
            article = articles.update_article(
                slug, current_user.id, submitted_fields(), draft=True, autosave=True
            )
        else:
            articles.save_pending_revision(slug, current_user.id, submitted_fields())
    except ApiError as error:
        return _autosave_refused(error)
    return _autosaved(article.slug)


@bp.post("/<slug>/discard")
@login_required
@changes_no_page
def discard(slug: str):
    """Forget a published article's pending revision: the editor shows the live text again."""
    _own_article(slug)
    articles.discard_pending_revision(slug, current_user.id)
    flash("Unpublished changes discarded.")
    return redirect_to(url_for(".edit", slug=slug))


def _own_article(slug: str):
    article = articles.get_article(slug, current_user.id)
    if article.author.id != current_user.id:
        abort(403)
    return article


def _autosaved(slug: str):
    """Where the editor saves from now on (a draft's slug follows its title) and when."""
    return jsonify(
        slug=slug,
        editUrl=url_for(".edit", slug=slug),
        autosaveUrl=url_for(".autosave", slug=slug),
        savedAt=iso_ms(now_ms()),
    )


def _autosave_refused(error: ApiError):
    if error.status != 422:
        raise error
    response = jsonify(errors=error.errors, messages=error_lines(error.errors))
    response.status_code = 422
    return response


def _form_status(error: ApiError) -> int:
    if error.status != 422:
        raise error
    return 422


def _saved(article):
    flash(DRAFT_SAVED if article.draft else "Published.")
    return _location(article)


def _location(article):
    """Where a saved article is shown: the editor for a draft, else its page."""
    if article.draft:
        return redirect_to(url_for(".edit", slug=article.slug))
    return redirect_to(url_for("article.show", slug=article.slug))


def _editor(
    fields: dict,
    *,
    article=None,
    pending=None,
    errors=(),
    preview: bool = False,
    status: int = 200,
):
    """The editor; its preview shows the body as readers will see it whenever there is one
    (a reopened draft included), `preview` or not."""
    body = fields.get("body", "")
    html = render_template(
        "editor/edit.html",
        form=fields,
        article=article,
        pending=pending,
        errors=list(errors),
        preview=markdown.render(body) if (preview or body.strip()) else None,
    )
    return html, status


@bp.post("/_preview")
@login_required
@changes_no_page
def preview():
    """The live preview (htmx): the body as its readers will see it."""
    body = request.form.get("body", "")
    return render_template("editor/_preview.html", preview=markdown.render(body))
