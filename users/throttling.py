"""Rate limits for password guessing."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    """Limit token logins per username, whoever sends them and from where.

    The per-address anonymous limit alone lets a guesser spread attempts
    over many addresses, or send them with any valid token to fall under the
    far higher per-user rate.
    """

    scope = "login"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if isinstance(data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        # Hashed, because a username may hold any character and cache keys
        # must be short and plain.
        digest = hashlib.sha256(username.casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
