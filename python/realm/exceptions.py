"""Alias of ``realm.errors`` (the module name used by earlier Realm SDKs)."""

from .errors import *  # noqa: F401,F403
from .errors import __all__  # noqa: F401
