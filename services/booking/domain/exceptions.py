class BookingError(Exception):
    """A booking request or change that the clinic cannot accept; the message says why."""


class InvalidRequest(BookingError):
    """The request itself is wrong (unknown treatment, off the grid, too soon ...)."""


class IllegalTransition(BookingError):
    """The booking's state does not allow this change."""


class NotFound(BookingError):
    """No such booking, or the token does not match it."""


class LinkExpired(BookingError):
    """A self-service link's token, for a visit that has ended: the link is no key any more."""


class SlotUnavailable(BookingError):
    """The slot asked for cannot be had now; nothing was changed."""


class AlreadyRequested(BookingError):
    """A concurrent request with the same idempotency key made the booking first."""
