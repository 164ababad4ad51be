"""The transactional outbox: profile changes owed to the services that keep copies of profiles
(user_service, webapp), delivered until they land."""
