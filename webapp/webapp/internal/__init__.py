"""What auth_service's outbox delivers to webapp: copies of the authors' profiles."""
