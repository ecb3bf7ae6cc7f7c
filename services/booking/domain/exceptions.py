class BookingError(Exception):
    """A booking request or change that the clinic cannot accept; the message says why."""


class InvalidRequest(BookingError):
    """The request itself is wrong (unknown treatment, off the grid, too soon ...); `field` names the
    part of the request at fault, as validation errors do, so a page shows the message beside it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def extra(self) -> dict[str, object]:
        return {"errors": [{"field": self.field, "problem": str(self)}]} if self.field else {}


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
