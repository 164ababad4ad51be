"""/api/tags: every tag in use, sorted."""

from flask import Blueprint, jsonify

from webapp.articles import service

bp = Blueprint("api_tags", __name__, url_prefix="/api/tags")


@bp.get("")
def index():
    return jsonify(tags=service.all_tags())
