"""Config: the YAML schema, loading, ``${VAR}`` interpolation and the error tree's root."""

from config.errors import ConfigError, HostError

__all__ = ["ConfigError", "HostError"]
