"""Access tokens: the Ed25519 key ring, token signing and the published JWKS."""
