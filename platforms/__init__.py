"""Platform descriptions (one YAML per platform) and their loader."""
