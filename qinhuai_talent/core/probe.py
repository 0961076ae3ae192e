"""``python -m qinhuai_talent.core.probe URL...``: exit 0 when every service URL answers a TCP connect."""

import socket
import sys
from urllib.parse import urlsplit


def reachable(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    default = {"postgres": 5432, "postgresql": 5432, "redis": 6379}.get(parts.scheme, 0)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default), timeout=timeout):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if all(reachable(u) for u in sys.argv[1:]) else 1)
