"""The author's trash: deleted articles, restorable for TRASH_RETENTION_DAYS, then purged."""
