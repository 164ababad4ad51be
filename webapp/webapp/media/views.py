"""/media: uploaded images, served as inert files, and the editor's image upload."""

from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask_login import login_required

from titanium_common.api import error_response
from webapp.media import service
from webapp.media.images import REASONS, ImageRejected, rejection_message
from webapp.media.storage import NAME, StorageUnavailable
from webapp.ui import changes_no_page, local_url, redirect_to

bp = Blueprint("media", __name__, url_prefix="/media")

# Names are content-addressed, so a name's bytes never change: cache for a year, never revalidate.
IMMUTABLE = "public, max-age=31536000, immutable"
# Served as an image and nothing else: never sniffed into HTML, never running script or loading
# anything even if opened on its own (default-src 'none'; sandbox).
FILE_HEADERS = {
    "Cache-Control": IMMUTABLE,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@bp.get("/<name>")
def serve(name: str):
    if not NAME.match(name):
        abort(404)
    try:
        stored = service.storage().get(name)
    except StorageUnavailable:
        abort(503)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers.update(FILE_HEADERS)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.set_etag(name.split(".", 1)[0])
    return response.make_conditional(request)


@bp.post("")
@login_required
@changes_no_page  # no page shows the image until an article or profile is saved with it
def upload():
    """An image for an article. JavaScript (Accept: application/json) gets the Markdown to
    insert, or the RealWorld 422; a plain form goes back to the editor, which shows it."""
    upload = request.files.get("image")
    wants_json = request.accept_mimetypes.best == "application/json"
    back = local_url(request.form.get("next"), url_for("editor.new"))
    if not back.startswith("/editor"):
        back = url_for("editor.new")
    try:
        name = service.store_upload(upload)
    except ImageRejected as rejection:
        if wants_json:
            return error_response(422, {"image": [rejection.message(service.limits())]})
        return redirect_to(f"{back}?upload_error={rejection.reason}")
    except StorageUnavailable:
        if wants_json:
            return error_response(503, {"image": [service.UNAVAILABLE]}, {"Retry-After": "60"})
        return redirect_to(f"{back}?upload_error=unavailable")
    alt = service.alt_text(upload.filename if upload else "")
    if wants_json:
        url = service.media_url(name)
        reply = jsonify(image={"url": url, "markdown": service.markdown_for(name, alt)})
        reply.status_code = 201
        return reply
    return redirect_to(f"{back}?uploaded={name}")


@bp.app_template_global()
def image_upload_result() -> dict:
    """What the editor's upload box shows after a plain-form upload (?uploaded= / ?upload_error=):
    the Markdown to copy, or why the image was refused."""
    name = request.args.get("uploaded", "")
    reason = request.args.get("upload_error", "")
    if NAME.match(name):
        return {"markdown": service.markdown_for(name)}
    if reason in REASONS:
        return {"error": "Image " + rejection_message(reason, service.limits())}
    if reason == "unavailable":
        return {"error": "Image " + service.UNAVAILABLE}
    return {}
