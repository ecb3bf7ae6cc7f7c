"""The documented range (inclusive) of every number staff enter in the catalog: part of the catalog's
contract, so the booking service checks its copies against the same figures (its calendar arithmetic
would overflow or crawl on a value outside them). README, "Ranges of what staff enter"."""

DURATION_MINUTES = (5, 480)
BUFFER_MINUTES = (0, 240)
UNITS_PER_KIND = (1, 4)
SLOT_GRID_MINUTES = (5, 240)
MIN_NOTICE_MINUTES = (0, 43_200)  # 30 days
MAX_ADVANCE_DAYS = (1, 730)
TIME_OFF_DAYS = 366  # the longest single absence
TIME_OFF_YEARS = (2000, 2099)
