"""/api/articles/<slug>/comments. Check order 401 -> 404 -> 403 -> 422."""

from flask import Blueprint, Response, jsonify

from titanium_common.api import read_wrapped_json
from webapp.api import optional_viewer_id, required_viewer_id
from webapp.comments import service
from webapp.idempotency import keys

bp = Blueprint("api_comments", __name__, url_prefix="/api/articles/<slug>/comments")


@bp.get("")
def index(slug: str):
    comments = service.list_comments(slug, optional_viewer_id())
    return jsonify(comments=[comment.to_json() for comment in comments])


@bp.post("")
def create(slug: str):
    """Idempotency-Key: a retry with the same key and body gets the first reply again."""
    author_id = required_viewer_id()
    service.check_commentable(slug, author_id)
    fields = read_wrapped_json("comment")
    claim = keys.claim(author_id)
    comment = service.add_comment(
        slug, author_id, fields.get("body"), before_commit=claim and claim.recording(_created)
    )
    return _created(comment)


def _created(comment: service.CommentView) -> Response:
    response = jsonify(comment=comment.to_json())
    response.status_code = 201
    return response


@bp.delete("/<comment_id>")
def delete(slug: str, comment_id: str):
    service.delete_comment(slug, comment_id, required_viewer_id())
    return "", 204
