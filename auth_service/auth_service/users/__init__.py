"""The RealWorld users endpoints: register, login, current user."""
