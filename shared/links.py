"""The self-service link in every client email: the booking's id signed with MANAGE_LINK_SECRET.

Notifications signs it, booking checks it; the secret is the only thing the two share. The link puts
it after `#` (`{NOTIFICATIONS_MANAGE_URL}#booking=<id>&token=<signed>`), so it never reaches a
server's access log; the page sends it as the X-Booking-Token header. It cannot be guessed or forged
without the secret. Booking refuses it once the visit has ended (the signature itself never expires,
so a moved visit keeps its link)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "clinic.booking.manage-link"


def sign(booking_id: str, secret: str) -> str:
    return URLSafeSerializer(secret, salt=_SALT).dumps(booking_id)


def booking_of(token: str, secret: str) -> str | None:
    """The booking id a link's token was signed for, or None (no secret, forged, or not ours)."""
    if not secret or not token:
        return None
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def fragment(booking_id: str, secret: str) -> str:
    """What follows `#` in the link."""
    return f"booking={booking_id}&token={sign(booking_id, secret)}"
