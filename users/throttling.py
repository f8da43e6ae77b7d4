"""Rate limits for password guessing."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle

from .models import User


class LoginRateThrottle(SimpleRateThrottle):
    """Limit token logins per username, from any address and any client.

    The per-address anonymous limit alone lets a guesser spread attempts
    over many addresses, or send them with any valid token to fall under the
    far higher per-user rate.
    """

    scope = "login"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if isinstance(data, dict) else None
        if username is None or isinstance(username, (dict, list)):
            return None
        # The login form strips surrounding spaces and accepts numbers, and
        # the account lookup takes the NFKC form in any case, so "alice ",
        # "ＡＬＩＣＥ" and 42 must count against "alice" and "42".
        username = User.normalize_username(str(username).strip()).casefold()
        if not username:
            return None
        # Hashed, because a username may contain any character (even a lone
        # surrogate) and cache keys must be short and plain.
        encoded = username.encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(encoded).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
