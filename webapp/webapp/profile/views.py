"""Author profiles: their articles, their favorites, their drafts (own only), and following."""

import dataclasses

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from webapp import authors
from webapp.articles import service as article_service
from webapp.identity import viewer_id
from webapp.profiles import client as profiles
from webapp.ui import (
    PAGE_SIZE,
    changes_no_page,
    is_partial_request,
    local_url,
    page_count,
    page_number,
    page_or_part,
    public_page,
    redirect_to,
    require_page,
)

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _profile_or_404(username: str, viewer=None) -> profiles.Profile:
    profile = authors.profile_by_username(username, viewer)
    if profile is None:
        abort(404)
    return profile


@bp.get("/<username>")
@public_page
def articles(username: str):
    profile = _profile_or_404(username, viewer_id())
    return _profile_page(profile, "articles", author=profile.username)


@bp.get("/<username>/favorites")
@public_page
def favorites(username: str):
    profile = _profile_or_404(username, viewer_id())
    return _profile_page(profile, "favorites", favorited=profile.username)


@bp.get("/<username>/drafts")
@login_required
def drafts(username: str):
    profile = _profile_or_404(username)
    if profile.id != current_user.id:
        abort(404)  # someone else's drafts do not exist, as far as anyone else can tell
    return _profile_page(profile, "drafts")


def _profile_page(profile, tab: str, **filters):
    page = page_number()
    window = {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    if tab == "drafts":
        result = article_service.drafts(current_user.id, **window)
    else:
        result = article_service.list_articles(viewer_id(), **filters, **window, following=False)
    require_page(page, page_count(result.total))
    context = {
        "profile": profile,
        "tab": tab,
        "articles": result.articles,
        "page": page,
        "pages": page_count(result.total),
        "base_url": request.path,
    }
    return page_or_part("profile/show.html", "profile/_articles.html", **context)


# Whom the reader follows shows only on their own pages, which no cache keeps.
@bp.post("/<username>/follow")
@login_required
@changes_no_page
def follow(username: str):
    profile = _profile_or_404(username)
    return _follow_answer(profile, profiles.follow(current_user.id, username))


@bp.post("/<username>/unfollow")
@login_required
@changes_no_page
def unfollow(username: str):
    profile = _profile_or_404(username)
    return _follow_answer(profile, profiles.unfollow(current_user.id, username))


def _follow_answer(profile, following: bool):
    profile = dataclasses.replace(profile, following=following)
    if is_partial_request():
        return render_template("profile/_follow_swap.html", profile=profile)
    # A full-page answer (JavaScript off) says what happened; htmx swaps the button instead.
    flash(
        f"You follow {profile.username}."
        if following
        else f"You no longer follow {profile.username}."
    )
    fallback = url_for(".articles", username=profile.username)
    return redirect_to(local_url(request.form.get("next"), fallback))
