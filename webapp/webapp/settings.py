"""webapp settings: the only module that reads the environment."""

from titanium_common.env import env_str

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
SITE_NAME = env_str("SITE_NAME", "Titanium")
