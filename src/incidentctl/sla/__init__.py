"""SLA engine: business calendars (``calendar``), clocks from timelines (``clock``),
compiled policies (``policy``) and their reports (``report``) (SPEC 3).

Pure: every computation takes ``now`` as a parameter. Nothing is imported here, so
that a module that needs one part (the index needs ``holidays_book``) does not load
the others.
"""
