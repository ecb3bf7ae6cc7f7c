"""What staff can ask for that cannot be done; the API answers each with its status code."""

from __future__ import annotations


class UnknownBooking(LookupError):
    """Notifications never heard of a confirmed booking with this id."""


class UnknownDelivery(LookupError):
    """No delivery has this id."""


class AlreadyGoingOut(Exception):
    """A delivery still queued or being sent cannot be resent."""
