from .base import *  # noqa: F401,F403
from .base import DEBUG

if not DEBUG:
    from .production import *  # noqa: F401,F403
