"""The identity contract between auth_service (signs), api_gateway (verifies) and the services.

The gateway verifies the access token, removes every client-sent header that starts with
IDENTITY_HEADER_PREFIX, and passes the verified subject (the immutable account id) upstream in
USER_ID_HEADER and the caller's address, as its trusted edge saw it, in CLIENT_ADDRESS_HEADER.
Services trust only these headers; inside the mesh only the gateway and webapp may reach them
(NetworkPolicy + Istio AuthorizationPolicy).

Every token carries the account's token version (TOKEN_VERSION_CLAIM). Ending an account's
sessions and tokens raises that version and publishes it on auth_service's revocation feed
(REVOCATIONS_PATH), which the gateway and webapp read every few seconds (ADR 0013).
"""

TOKEN_ALGORITHM = "EdDSA"  # noqa: S105 (names, not secrets)
TOKEN_ISSUER = "titanium-auth"  # noqa: S105
TOKEN_AUDIENCE = "titanium"  # noqa: S105
TOKEN_VERSION_CLAIM = "ver"  # noqa: S105
JWKS_PATH = "/.well-known/jwks.json"
REVOCATIONS_PATH = "/internal/token-revocations"

IDENTITY_HEADER_PREFIX = "X-Titanium-"
USER_ID_HEADER = "X-Titanium-User-Id"
# On auth_service's User replies: the version of the profile in the reply, so that a caller that
# keeps copies of profiles (webapp) can keep this one in order with the outbox's snapshots.
PROFILE_VERSION_HEADER = "X-Titanium-Profile-Version"
CLIENT_ADDRESS_HEADER = "X-Titanium-Client-Address"
# On auth_service's User replies: "1" when the account's email is verified, else "0" (webapp
# shows the unverified a notice; the RealWorld User object has no such field).
EMAIL_VERIFIED_HEADER = "X-Titanium-Email-Verified"
