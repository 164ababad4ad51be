"""The transactional outbox: profile changes owed to user_service, delivered until they land."""
