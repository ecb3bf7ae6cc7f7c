"""`python -m bench`: the availability benchmark, then the end-to-end one; or one of them by name,
with its own options (`python -m bench flow --help`)."""

from __future__ import annotations

import sys

PARTS = ("availability", "flow")


def main(argv: list[str]) -> None:
    part, options = (argv[0], argv[1:]) if argv and argv[0] in PARTS else (None, argv)
    if part is None and options in (["-h"], ["--help"]):
        print(__doc__)
        return
    if part is None and options:
        sys.exit(f"usage: python -m bench [{'|'.join(PARTS)}] [options]; options belong to one part")
    if part in (None, "availability"):
        from bench import availability

        sys.argv = ["python -m bench availability", *options]  # it reads its options from sys.argv
        availability.main()
    if part in (None, "flow"):
        from bench import flow

        flow.main(options)


main(sys.argv[1:])
